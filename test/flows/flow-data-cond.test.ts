// Conditions in the flow data layer: a CSV's label / context columns are split off the data columns and stay with
// their rows through the test split and every training draw; an unconditional draw consumes the rng the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../../src/engine/rng.js";
import { flowTableRows } from "../../src/data/flow-data.js";
import { openFlowData } from "../../src/node/data.js";
import { loadCsv } from "../../src/node/csv.js";
import { flowContext } from "../../src/flows/flow-config.js";
import { DataError, OptionError, ShapeError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "flow-data-cond-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
// Row i: a = i, tag = 10 + (i mod 3) (a class label in the middle column), b = 2i, c = −i (context columns).
const file = join(dir, "t.csv");
writeFileSync(file, ["a,tag,b,c", ...Array.from({ length: 50 }, (_, i) => `${i},${10 + (i % 3)},${2 * i},${-i}`)].join("\n") + "\n");

test("class labels: split off, classes sorted, kept aligned through the test split and training draws", () => {
  const d = openFlowData(file, { cond: { columns: ["tag"] }, testFraction: 0.2, dequantize: "off", seed: 3 });
  assert.deepEqual(d.columns, [0, 2, 3]);
  assert.equal(d.dim, 3);
  assert.deepEqual(d.cond, { kind: "class", classes: ["10", "11", "12"], embedDim: 3, source: "tag" });
  const nTest = d.test.length / 3;
  assert.equal(nTest, 10);
  for (let i = 0; i < nTest; i++) assert.equal(d.testCond!.labels![i], d.test[3 * i]! % 3, `test row ${i}`);
  const s = d.standardizer!;
  const b = d.sampleCond!(40, new Rng(1));
  for (let i = 0; i < 40; i++) {
    const a = b.x[3 * i]! * s.std[0]! + s.mean[0]!;
    assert.ok(Math.abs(Math.round(a) - a) < 1e-9);
    assert.equal(b.labels![i], Math.round(a) % 3, `draw ${i}`);
  }
  // The same rows as the unconditional draw from the same rng state.
  assert.deepEqual(Array.from(d.sample(40, new Rng(1))), Array.from(b.x));
  assert.deepEqual(Array.from(flowContext(d.cond!, 2, { labels: [2, 0] })), [0, 0, 1, 1, 0, 0]);
  assert.throws(() => flowContext(d.cond!, 1, { labels: [3] }), ShapeError);
});

test("context columns, a saved class list on reopening, and errors", () => {
  const d = openFlowData(file, { cond: { columns: ["b", "c"] }, testFraction: 0.1, dequantize: "off" });
  assert.deepEqual(d.cond, { kind: "context", dim: 2, source: "b,c" });
  assert.deepEqual(d.columns, [0, 1]);
  const n = d.test.length / 2;
  for (let i = 0; i < n; i++) assert.deepEqual(Array.from(d.testCond!.context!.subarray(2 * i, 2 * i + 2)), [2 * d.test[2 * i]!, -d.test[2 * i]!]);
  // Evaluation rows in file order, with labels mapped through the saved classes.
  const saved = { kind: "class" as const, classes: ["12", "11", "10"], embedDim: 3, source: "tag" };
  const r = flowTableRows(loadCsv(file), file, { cond: saved, n: 4 });
  assert.deepEqual(Array.from(r.conds!.labels!), [2, 1, 0, 2]);
  assert.deepEqual(Array.from(r.points.subarray(0, 3)), [0, 0, 0]);
  assert.throws(() => openFlowData(file, { cond: { columns: ["nope"] } }), DataError);
  assert.throws(() => openFlowData(file, { cond: { columns: ["tag"] }, columns: [0, 1] }), OptionError);
  assert.throws(() => openFlowData(file, { cond: { columns: ["b", "c"], kind: "class" } }), DataError);
});
