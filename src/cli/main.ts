/**
 * The `flowmatch` command. Misuse (bad data, options, shapes, checkpoints) prints one line and exits 2; no stack
 * trace unless FLOWMATCH_DEBUG=1.
 */
import { FlowmatchError } from "../errors.js";
import { trainCommand, trainSpec } from "./commands/train.js";
import { sampleCommand, sampleSpec } from "./commands/sample.js";
import { plotCommand, plotSpec } from "./commands/plot.js";
import { demoCommand, demoSpec } from "./commands/demo.js";
import { evalCommand, evalSpec } from "./commands/eval.js";
import { reflowCommand, reflowSpec } from "./commands/reflow.js";

const commands: Record<string, { run: (argv: string[]) => Promise<void>; summary: string }> = {
  demo: { run: demoCommand, summary: demoSpec.summary },
  train: { run: trainCommand, summary: trainSpec.summary },
  sample: { run: sampleCommand, summary: sampleSpec.summary },
  plot: { run: plotCommand, summary: plotSpec.summary },
  eval: { run: evalCommand, summary: evalSpec.summary },
  reflow: { run: reflowCommand, summary: reflowSpec.summary },
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
  } catch (e) {
    if (process.env.FLOWMATCH_DEBUG) console.error(e);
    if (e instanceof FlowmatchError) {
      process.stderr.write(`flowmatch ${cmd}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`flowmatch ${cmd}: internal error: ${(e as Error)?.message ?? String(e)} (FLOWMATCH_DEBUG=1 shows the stack)\n`);
    return 1;
  }
}
