/** Data statistics that overflow (issue 12, "Numbers"): huge finite data fits; unrepresentable columns are named. */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DataError } from "../../src/errors.js";
import { fitStandardizer, standardize, unstandardize } from "../../src/data/index.js";
import { openDataSource } from "../../src/node/index.js";

test("finite data near ±1.8e308 gives finite statistics and a finite, invertible standardization", () => {
  const x = [1e308, -1e308, -1e308, 1e308, 5e307, 1, -1.7e308, 2, 1.7e308, 3];
  const s = fitStandardizer(x, 5, 2);
  for (const v of [...s.mean, ...s.std]) assert.ok(Number.isFinite(v), String(v));
  // Column 1's exact statistics: mean −4e306, population std from the scaled values.
  const c0 = [1e308, -1e308, 5e307, -1.7e308, 1.7e308];
  const m0 = c0.reduce((a, b) => a + b / 1e300, 0) / 5;
  assert.ok(Math.abs(s.mean[0]! / 1e300 - m0) < 1e-6 * Math.abs(m0) + 1e-6);
  const z = standardize(x, s);
  for (const v of z) assert.ok(Number.isFinite(v) && Math.abs(v) < 10, String(v));
  const back = unstandardize(z, s);
  back.forEach((v, i) => assert.ok(Math.abs(v - x[i]!) <= 1e-12 * Math.max(Math.abs(x[i]!), 1e308), `${v} vs ${x[i]}`));
});

test("a column with ±Inf or NaN, or a spread too small to divide by, is a DataError naming the file and column", () => {
  const names = { source: "data/big.csv", columns: ["a", "b"] };
  assert.throws(() => fitStandardizer([1, 2, 3, Infinity], 2, 2, names), (e: unknown) => e instanceof DataError && /^data\/big\.csv: column "b" \(2\): row 2 holds Infinity/.test(e.message));
  assert.throws(() => fitStandardizer([NaN, 2, 3, 4], 2, 2, names), (e: unknown) => e instanceof DataError && /^data\/big\.csv: column "a" \(1\): row 1 holds NaN/.test(e.message));
  assert.throws(() => fitStandardizer([1, 1e-310, 2, 2e-310, 3, 3e-310], 3, 2, names), (e: unknown) => e instanceof DataError && /^data\/big\.csv: column "b" \(2\): its spread .* too small/.test(e.message) && !e.message.includes("fitStandardizer"));
  // Without names, the column number alone.
  assert.throws(() => fitStandardizer([1, Infinity], 2, 1), /column 1: row 2 holds Infinity/);
});

test("constant columns still get std 1, also at ±1e308 and at subnormal scale", () => {
  const s = fitStandardizer([1e308, 5e-324, 1e308, 5e-324], 2, 2);
  assert.deepEqual(s.std, [1, 1]);
  assert.deepEqual(s.mean, [1e308, 5e-324]);
});

test("a CSV file: the data source names the file and the column header", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fm-overflow-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const big = path.join(dir, "big.csv");
  fs.writeFileSync(big, "x,y\n1e308,-1e308\n-1e308,1e308\n1.7e308,3\n-1.7e308,4\n");
  const src = openDataSource(big);
  for (const v of [...src.standardizer!.mean, ...src.standardizer!.std]) assert.ok(Number.isFinite(v));
  const tiny = path.join(dir, "tiny.csv");
  fs.writeFileSync(tiny, "x,y\n1,1e-310\n2,2e-310\n3,3e-310\n");
  assert.throws(() => openDataSource(tiny), (e: unknown) => e instanceof DataError && e.message.startsWith(`${tiny}: column "y" (2): its spread`));
});
