/**
 * The README's library example (its first ```ts block) runs as written — with the package name pointed at
 * src/index.ts and fewer training steps — and leaves no live jax-js arrays behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import { assertNoLeaks, trackBuffers } from "../util/leaks.js";

await trackBuffers();

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The first ```ts block of the README, runnable here. */
function example(): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, "README.md has no ```ts block");
  const code = m[1]!;
  assert.match(code, /from "flowmatch"/);
  assert.match(code, /\{ steps: 5000 \}/);
  const core = pathToFileURL(join(root, "src/index.ts")).href;
  return code.replace(/from "flowmatch"/g, `from ${JSON.stringify(core)}`).replace("{ steps: 5000 }", "{ steps: 20 }")
    + "\nexport { samples, nfe };\n";
}

test("the README library example runs and frees everything it made", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-readme-"));
  try {
    const code = example();
    let run = 0;
    let out: { samples: Float64Array; nfe: number } | undefined;
    await assertNoLeaks("README example", async () => {
      const file = join(dir, `example-${run++}.mts`); // a fresh module each run (imports are cached)
      writeFileSync(file, code);
      out = (await import(pathToFileURL(file).href)) as { samples: Float64Array; nfe: number };
    });
    assert.equal(out!.samples.length, 2000);
    assert.ok(out!.samples.every(Number.isFinite));
    assert.equal(out!.nfe, 200); // rk4: 4 evaluations per step, 50 steps
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The README's composable-flow example (the ```ts block that builds a `Flow`), runnable here with fewer steps. */
function flowExample(): string {
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const code = blocks.find((b) => b.includes("new Flow("));
  assert.ok(code, "README.md has no Flow example");
  assert.match(code, /\{ steps: 2000 \}/);
  const core = pathToFileURL(join(root, "src/index.ts")).href;
  return code.replace(/from "flowmatch"/g, `from ${JSON.stringify(core)}`).replace("{ steps: 2000 }", "{ steps: 30 }") + "\nexport { logp };\n";
}

test("the README composable-flow example trains a hand-built chain and frees everything it made", async () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-readme-flow-"));
  try {
    const code = flowExample();
    let run = 0;
    let out: { logp: Float64Array } | undefined;
    await assertNoLeaks("README flow example", async () => {
      const file = join(dir, `flow-${run++}.mts`);
      writeFileSync(file, code);
      out = (await import(pathToFileURL(file).href)) as { logp: Float64Array };
    });
    assert.equal(out!.logp.length, 100);
    assert.ok(out!.logp.every(Number.isFinite));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
