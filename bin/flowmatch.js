#!/usr/bin/env node
// Runs the compiled CLI (built by `npm install` via the prepare script, or `npm run build`).
import { main } from "../dist/cli/main.js";
main(process.argv.slice(2)).then((code) => process.exit(code));
