/** Entry point for running the CLI from source (tests, `tsx`); the published bin runs the compiled main. */
import { main } from "./main.js";
main(process.argv.slice(2)).then((code) => process.exit(code));
