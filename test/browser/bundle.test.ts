/**
 * The core entry (`flowmatch`, src/index.ts) bundles for the browser: esbuild with platform "browser" finds no
 * Node built-in anywhere in its import graph, @jax-js/jax included (it is bundled, not marked external). The
 * same detector does find them in the node entry (so the check can fail), and the node entry builds on the core.
 * The browser bundle then runs (in a child Node process): it parses CSV, round-trips a PNG, and trains a few steps
 * whose losses match the sources' and resume exactly from checkpoint bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { initEngine, createTrainState, train, disposeTrainState, openDataSource, defaultMlpConfig, paths, solvers, data } from "../../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** Bundles `entry` for the browser; returns the Node built-ins it reached (importer → module) and the output. */
async function bundle(entry: string, o: { minify?: boolean } = {}): Promise<{ builtins: string[]; code: string; metafile: Metafile }> {
  const builtins: string[] = [];
  const detect: Plugin = {
    name: "node-builtins",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isBuiltin(args.path)) return undefined;
        builtins.push(`${args.importer.slice(root.length + 1)} → ${args.path}`);
        return { path: args.path, external: true }; // keep going, to report every one
      });
    },
  };
  const r = await build({
    entryPoints: [join(root, entry)], absWorkingDir: root, bundle: true, platform: "browser", format: "esm",
    write: false, metafile: true, logLevel: "silent", plugins: [detect], minify: o.minify ?? false,
  });
  assert.deepEqual(r.errors, []);
  return { builtins, code: r.outputFiles[0]!.text, metafile: r.metafile };
}

test("the core entry bundles for the browser without any Node built-in", async () => {
  const { builtins, metafile } = await bundle("src/index.ts");
  assert.deepEqual(builtins, [], `Node built-ins reachable from src/index.ts:\n${builtins.join("\n")}`);
  const inputs = Object.keys(metafile.inputs);
  assert.ok(inputs.some((p) => p.startsWith("node_modules/@jax-js/jax/")), "jax-js is bundled, not external");
  assert.ok(inputs.some((p) => p.startsWith("node_modules/fflate/")), "fflate (PNG deflate) is bundled");
  assert.ok(!inputs.some((p) => p.startsWith("src/node/")), "nothing from src/node/ reaches the core");
});

test("the node entry is the core plus Node: the detector finds its built-ins", async () => {
  const { builtins, metafile } = await bundle("src/node/index.ts");
  for (const m of ["node:fs", "node:path", "node:zlib", "node:worker_threads"]) {
    assert.ok(builtins.some((b) => b.endsWith(` → ${m}`)), `expected ${m} among:\n${builtins.join("\n")}`);
  }
  const imports = metafile.inputs["src/node/index.ts"]!.imports.map((i) => i.path);
  assert.ok(imports.includes("src/index.ts"), `src/node/index.ts imports the core (got ${imports.join(", ")})`);
});

test("the browser bundle runs: CSV, PNG, training and exact resume from checkpoint bytes", async () => {
  const { code } = await bundle("src/index.ts");
  const dir = mkdtempSync(join(tmpdir(), "flowmatch-bundle-"));
  try {
    writeFileSync(join(dir, "flowmatch.mjs"), code);
    writeFileSync(join(dir, "run.mjs"), `
      import * as fm from "./flowmatch.mjs";
      await fm.initEngine();
      const table = fm.data.parseCsv("a,b\\n1,2\\n3,4\\n", "t.csv");
      const rgb = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
      const png = fm.plot.decodePng(fm.plot.encodePng(2, 2, rgb));
      const config = { kind: "flow-matching", net: fm.defaultMlpConfig(2), path: "condot" };
      const opts = { steps: 6, batch: 32, seed: 5, warmupSteps: 0 };
      const data = fm.openDataSource("moons");
      const whole = fm.train(fm.createTrainState(config, opts), data);
      const half = fm.train(fm.createTrainState(config, opts), data, { stopAt: 3 });
      const resumed = fm.train(fm.trainStateFromBytes(fm.trainStateToBytes(half)), data);
      console.log(JSON.stringify({ table: [...table.data], header: table.header, png: [...png.rgb], whole: whole.losses, resumed: resumed.losses }));
    `);
    const r = spawnSync(process.execPath, [join(dir, "run.mjs")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    assert.deepEqual(out.table, [1, 2, 3, 4]);
    assert.deepEqual(out.header, ["a", "b"]);
    assert.deepEqual(out.png, Array.from({ length: 12 }, (_, i) => i * 20));
    assert.deepEqual(out.resumed, out.whole);
    // The same run from the sources, in this process: the bundle computes what the library computes.
    await initEngine();
    const s = train(createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 6, batch: 32, seed: 5, warmupSteps: 0 }), openDataSource("moons"));
    assert.deepEqual(out.whole, s.losses);
    disposeTrainState(s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("browser bundles, minified or not, keep every registry's names (bundlers rename functions)", async () => {
  const names = `
    console.log(JSON.stringify({
      paths: fm.paths.schedulerNames(), solvers: fm.solvers.solverNames(), toys: fm.data.toyNames,
    }));`;
  const run = (code: string) => {
    const dir = mkdtempSync(join(tmpdir(), "flowmatch-min-"));
    try {
      writeFileSync(join(dir, "flowmatch.mjs"), code);
      writeFileSync(join(dir, "run.mjs"), `import * as fm from "./flowmatch.mjs";${names}`);
      const r = spawnSync(process.execPath, [join(dir, "run.mjs")], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // The names the sources give (as Node runs them): scope hoisting renamed cosine to "cosine2", minifying condot to "".
  const sources = { paths: paths.schedulerNames(), solvers: solvers.solverNames(), toys: [...data.toyNames] };
  assert.ok(sources.paths.includes("condot") && sources.paths.includes("cosine"), JSON.stringify(sources.paths));
  assert.deepEqual(run((await bundle("src/index.ts")).code), sources);
  assert.deepEqual(run((await bundle("src/index.ts", { minify: true })).code), sources);
});
