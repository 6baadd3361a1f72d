/**
 * The `flowmatch` command. Exit codes: 0 success; 2 bad input or usage (bad data, options, shapes, checkpoints,
 * output paths, disk errors), one line; 3 a numerical failure (NaN/Inf, divergence), one line; 1 only for a bug,
 * with a line asking to report it. No stack trace unless FLOWMATCH_DEBUG=1.
 */
import { FlowmatchError, NumericalError } from "../errors.js";
import { isIoError, ioReason } from "../node/output-path.js";
import { trainCommand, trainSpec } from "./commands/train.js";
import { sampleCommand, sampleSpec } from "./commands/sample.js";
import { plotCommand, plotSpec } from "./commands/plot.js";
import { demoCommand, demoSpec } from "./commands/demo.js";
import { evalCommand, evalSpec } from "./commands/eval.js";
import { reflowCommand, reflowSpec } from "./commands/reflow.js";
import { exportCommand, exportSpec } from "./commands/export.js";
import { importCommand, importSpec } from "./commands/import.js";

const commands: Record<string, { run: (argv: string[]) => Promise<void>; summary: string }> = {
  demo: { run: demoCommand, summary: demoSpec.summary },
  train: { run: trainCommand, summary: trainSpec.summary },
  sample: { run: sampleCommand, summary: sampleSpec.summary },
  plot: { run: plotCommand, summary: plotSpec.summary },
  eval: { run: evalCommand, summary: evalSpec.summary },
  reflow: { run: reflowCommand, summary: reflowSpec.summary },
  export: { run: exportCommand, summary: exportSpec.summary },
  import: { run: importCommand, summary: importSpec.summary },
};

function usage(): string {
  return [
    "flowmatch: flow matching and normalizing flows in TypeScript",
    "",
    "Usage: flowmatch <command> [options]    (flowmatch <command> --help for its options)",
    "",
    "Commands:",
    ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(8)} ${c.summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(usage());
    return 0;
  }
  const c = commands[cmd];
  if (!c) {
    process.stderr.write(`flowmatch: unknown command "${cmd}"; valid commands: ${Object.keys(commands).join(", ")}\n`);
    return 2;
  }
  try {
    await c.run(rest);
    return 0;
  } catch (thrown) {
    return reportError(cmd, thrown);
  }
}

/** Prints the one line for an error that ended command `cmd` and returns the exit code (see the module comment). */
export function reportError(cmd: string, thrown: unknown): number {
  if (process.env.FLOWMATCH_DEBUG) console.error(thrown);
  const e = rootError(thrown);
  if (e instanceof FlowmatchError) {
    process.stderr.write(`flowmatch ${cmd}: ${oneLine(e.message)}\n`);
    return e instanceof NumericalError ? EXIT_NUMERICAL : EXIT_USAGE;
  }
  if (isIoError(e) && e.path) {
    // A file-system failure (disk full, permissions, a folder where a file goes): the user's to fix, not a bug.
    process.stderr.write(`flowmatch ${cmd}: ${e.path}: ${ioReason(e)}\n`);
    return EXIT_USAGE;
  }
  process.stderr.write(
    `flowmatch ${cmd}: internal error: ${oneLine((e as Error)?.message ?? String(e))} (a bug in flowmatch: please report it with the command line and the output of FLOWMATCH_DEBUG=1)\n`,
  );
  return EXIT_BUG;
}

/** Exit codes (README, "Exit codes and safety"). */
export const EXIT_BUG = 1;
export const EXIT_USAGE = 2;
export const EXIT_NUMERICAL = 3;

/** The error that caused it all: a `using` scope that fails while disposing wraps the original in a SuppressedError. */
function rootError(e: unknown): unknown {
  for (let i = 0; i < 10 && e && typeof e === "object" && (e as { name?: string }).name === "SuppressedError" && "suppressed" in e; i++) {
    const s = e as { error: unknown; suppressed: unknown };
    // The suppressed error is the one thrown first (the body); the `error` came from a disposer afterwards.
    e = s.suppressed instanceof FlowmatchError || !(s.error instanceof FlowmatchError) ? s.suppressed : s.error;
  }
  return e;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}
