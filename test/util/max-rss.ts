/**
 * Test helper run as a child process: the CLI's `main(argv)`, then one line `maxRSS <bytes>` on stderr (the peak
 * resident memory of the whole run, from process.resourceUsage) and the CLI's exit code.
 */
import { main } from "../../src/cli/main.js";

const code = await main(process.argv.slice(2));
process.stderr.write(`maxRSS ${process.resourceUsage().maxRSS * 1024}\n`);
process.exit(code);
