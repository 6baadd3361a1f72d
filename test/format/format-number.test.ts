// The one number formatter of the CLI: a table of values and their printed form, and a round trip showing the
// printed value agrees with the number to the printed digits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { formatNumber } from "../../src/format.js";

test("formatNumber: 4 significant digits, exponent form for very small or large magnitudes, exact 0 is 0", () => {
  const table: [number, string][] = [
    [0, "0"], [-0, "0"], [1, "1"], [-1, "-1"], [0.5, "0.5"], [1.23456, "1.235"], [-2.71828, "-2.718"],
    [12.3456, "12.35"], [123.456, "123.5"], [1234.56, "1235"], [12345.6, "12346"], [99999.4, "99999"],
    [9.99996, "10"], [0.00123456, "0.001235"], [0.001, "0.001"], [0.000999, "9.99e-4"], [9.43e-7, "9.43e-7"],
    [1.5e-300, "1.5e-300"], [5e-324, "4.941e-324"], [123456, "1.235e+5"], [1e308, "1e+308"], [-3.2e21, "-3.2e+21"],
    [NaN, "NaN"], [Infinity, "Infinity"], [-Infinity, "-Infinity"],
  ];
  for (const [x, s] of table) assert.equal(formatNumber(x), s, `formatNumber(${x})`);
  assert.equal(formatNumber(Math.PI, 2), "3.1");
  assert.equal(formatNumber(Math.PI, 8), "3.1415927");
});

test("formatNumber: the printed value is within half a unit of its last digit of the number, at every scale", () => {
  for (let e = -320; e <= 307; e += 7) {
    for (const m of [1, 1.23456789, 4.99995, 9.87654321]) {
      const x = m * 10 ** e;
      const back = Number(formatNumber(x));
      assert.ok(Math.abs(back - x) <= 5e-4 * Math.abs(x) * 1.0001 + 5e-324 * 4, `${x} → ${formatNumber(x)}`);
    }
  }
});
