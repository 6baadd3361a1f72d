/**
 * Data in the two entries: the core opens toys and parsed tables; flowmatch/node adds CSV paths and built-in data
 * sets by reading the file and handing the table to the core, so both give the same source (standardizer, draws,
 * conditions). The core names the node entry when given a path.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { Rng } from "../../src/engine/index.js";
import { DataError } from "../../src/errors.js";
import { parseCsv } from "../../src/data/index.js";
import { openDataSource as openCore } from "../../src/data/data-source.js";
import { openFlowData as openFlowCore } from "../../src/data/flow-data.js";
import { openDataSource, loadCsv, files } from "../../src/node/index.js";
import { openFlowData } from "../../src/node/data.js";
const { builtinDataPath } = files;

const dir = mkdtempSync(join(tmpdir(), "flowmatch-node-data-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const rows = Array.from({ length: 40 }, (_, i) => `${Math.sin(i)},${i % 3},${(i * 7) % 11 - 5}`);
const text = `x,label,y\n${rows.join("\n")}\n`;
const file = join(dir, "points.csv");
writeFileSync(file, text);

test("a CSV file (node) and its parsed table (core) give the same data source", () => {
  for (const opts of [{}, { columns: [2, 0] }, { cond: { columns: ["label"] } }, { cond: { columns: ["label"], kind: "context" as const } }]) {
    const a = openDataSource(file, opts);
    const b = openCore(parseCsv(text, file), { ...opts, name: file });
    assert.equal(a.spec, file);
    assert.equal(b.spec, file);
    assert.equal(a.dim, b.dim);
    assert.deepEqual(a.standardizer, b.standardizer);
    assert.deepEqual(a.cond, b.cond);
    assert.deepEqual(a.sample(25, new Rng(1)), b.sample(25, new Rng(1)));
    if (a.sampleCond) assert.deepEqual(a.sampleCond(25, new Rng(2)), b.sampleCond!(25, new Rng(2)));
  }
  // Column selection picks what it says: column 2 then column 0, standardized.
  const t = openCore(parseCsv(text, "t"), { columns: [2, 0] });
  assert.deepEqual(Array.from(t.table!.data.subarray(0, 4)), [-5, Math.sin(0), 2, Math.sin(1)]);
});

test("flow data: file (node) and table (core) agree, including the test split", () => {
  const a = openFlowData(file, { seed: 3, testFraction: 0.25 });
  const b = openFlowCore(parseCsv(text, file), { seed: 3, testFraction: 0.25, name: file });
  assert.equal(a.spec, b.spec);
  assert.deepEqual(a.test, b.test);
  assert.deepEqual(a.train, b.train);
  assert.deepEqual(a.sample(10, new Rng(4)), b.sample(10, new Rng(4)));
});

test("the core opens toys, refuses paths with a pointer to flowmatch/node; node reads built-in data sets", () => {
  assert.equal(openCore("moons").dim, 2);
  assert.throws(() => openCore(file), (e: unknown) => e instanceof DataError && /flowmatch\/node/.test(e.message) && /moons/.test(e.message));
  assert.throws(() => openFlowCore(file), (e: unknown) => e instanceof DataError && /flowmatch\/node/.test(e.message));
  assert.throws(() => openDataSource("no-such-data"), (e: unknown) => e instanceof DataError && /CSV file path or one of/.test(e.message));
  const digits = builtinDataPath("digits")!;
  const parsed = parseCsv(gunzipSync(readFileSync(digits)).toString("utf8"), digits);
  const viaNode = loadCsv("digits");
  assert.equal(viaNode.rows, parsed.rows);
  assert.deepEqual(viaNode.data, parsed.data);
  assert.equal(openDataSource("digits", { columns: [0, 1, 2] }).dim, 3);
});
