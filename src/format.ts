/**
 * How every number the CLI prints is written: significant digits, not fixed decimals, so a W2 of 9.43e-7 or a
 * loss of 3.2e+5 reads as itself instead of "0.0000" or a 10-digit integer part. Core module (no Node built-ins).
 */

/**
 * `x` to `digits` significant digits (default 4), trailing zeros dropped: plain notation for 1e-3 ≤ |x| < 1e5,
 * exponent form ("9.43e-7", "1.5e+8") outside it. Exact 0 prints "0"; NaN and ±Infinity print as JavaScript does.
 */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const p = Math.max(1, Math.min(17, Math.floor(digits)));
  const mag = Math.abs(x);
  if (mag >= 1e-3 && mag < 1e5) {
    const decimals = Math.max(0, p - 1 - Math.floor(Math.log10(mag)));
    return trimZeros(x.toFixed(Math.min(100, decimals)));
  }
  const [mantissa, exp] = x.toExponential(p - 1).split("e") as [string, string];
  return `${trimZeros(mantissa)}e${exp}`;
}

/** "0.5000" → "0.5", "10.00" → "10", "120" stays. */
function trimZeros(s: string): string {
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
