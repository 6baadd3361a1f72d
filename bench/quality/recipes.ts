/**
 * Named training recipes for the quality harness: the `flowmatch train` flags each adds to `--data FILE --steps N`.
 * "default" is flowmatch as shipped; "plain" is the plain PyTorch recipe of issue 13 (constant Adam 1e-3, no EMA, no
 * gradient clipping, uniform t, raw t as the network's time input, the data in its own units), on its 256×3 SiLU
 * network and batch 512.
 * The others change one thing against "default", so a table of them says what each choice is worth.
 */
export const RECIPES: Readonly<Record<string, readonly string[]>> = {
  default: [],
  // 0.1's defaults, spelled out (256×3 SiLU, per-column std 1, uniform t): what "default" meant before issue 13.
  "v0.1": ["--activation", "silu", "--standardize", "column", "--data-scale", "1", "--hidden", "256,256,256", "--time-sampling", "uniform"],
  // Spelled out in full (net, activation, uniform t, no clipping), so later changes of the defaults do not leak into it.
  plain: ["--lr", "1e-3", "--schedule", "constant", "--ema-decay", "0", "--time-embedding", "none", "--standardize", "none", "--data-scale", "1",
    "--hidden", "256,256,256", "--activation", "silu", "--time-sampling", "uniform", "--clip-norm", "0"],
  "plain-column": ["--lr", "1e-3", "--schedule", "constant", "--ema-decay", "0", "--time-embedding", "none", "--standardize", "column", "--data-scale", "1",
    "--hidden", "256,256,256", "--activation", "silu", "--time-sampling", "uniform", "--clip-norm", "0"],
  global: ["--standardize", "global", "--data-scale", "1"],
  "raw-units": ["--standardize", "none", "--data-scale", "1"],
  "raw-t": ["--time-embedding", "none"],
  relu: ["--activation", "relu"],
  "no-ema": ["--ema-decay", "0"],
  "scale2": ["--standardize", "global", "--data-scale", "2"],
  "relu-scale2": ["--activation", "relu", "--standardize", "global", "--data-scale", "2"],
  "gelu-scale2": ["--activation", "gelu", "--standardize", "global", "--data-scale", "2"],
  "scale2-late": ["--standardize", "global", "--data-scale", "2", "--time-sampling", "logit-normal", "--t-mean", "0.5"],
  "scale2-deep": ["--standardize", "global", "--data-scale", "2", "--hidden", "256,256,256,256"],
  "gelu-scale2-late": ["--activation", "gelu", "--standardize", "global", "--data-scale", "2", "--time-sampling", "logit-normal", "--t-mean", "0.5"],
  "swish4-scale2": ["--activation", "swish4", "--standardize", "global", "--data-scale", "2"],
  "swish4-scale2-late": ["--activation", "swish4", "--standardize", "global", "--data-scale", "2", "--time-sampling", "logit-normal", "--t-mean", "0.5"],
  "swish4-scale2-deep": ["--activation", "swish4", "--standardize", "global", "--data-scale", "2", "--hidden", "256,256,256,256"],
  "swish4-col2": ["--activation", "swish4", "--standardize", "column", "--data-scale", "2"],
  "scale3": ["--standardize", "global", "--data-scale", "3"],
  // Against today's default (Swish-4, per column to std 2): time sampling and depth.
  late: ["--time-sampling", "logit-normal", "--t-mean", "0.5"],
  mix: ["--time-sampling", "logit-normal", "--t-mean", "0.5", "--t-uniform", "0.3"],
  deep: ["--hidden", "256,256,256,256"],
  "mix-deep": ["--time-sampling", "logit-normal", "--t-mean", "0.5", "--t-uniform", "0.3", "--hidden", "256,256,256,256"],
  "late1-mix": ["--time-sampling", "logit-normal", "--t-mean", "1", "--t-uniform", "0.2"],
  "late-deep": ["--time-sampling", "logit-normal", "--t-mean", "0.5", "--hidden", "256,256,256,256"],
  "late1-mix-deep": ["--time-sampling", "logit-normal", "--t-mean", "1", "--t-uniform", "0.2", "--hidden", "256,256,256,256"],
  "lr1e-3": ["--lr", "1e-3"],
  // Third round, for many tight modes (modes48): data scale, a later t-mean, peak lr, OT pairing.
  col3: ["--data-scale", "3"],
  late15: ["--t-mean", "1.5"],
  "lr3e-3": ["--lr", "3e-3"],
  ot: ["--coupling", "ot"],
  "uni01": ["--t-uniform", "0.1"],
  "col3-late15": ["--data-scale", "3", "--t-mean", "1.5"],
  "col4": ["--data-scale", "4"],
  // Fourth round, leave one out: each undoes one of today's defaults (the table of what mattered).
  silu: ["--activation", "silu"],
  col1: ["--data-scale", "1"],
  "const1e-3": ["--schedule", "constant", "--lr", "1e-3"],
  "uniform-t": ["--time-sampling", "uniform"],
  "batch256": ["--batch", "256"],
  h3: ["--hidden", "256,256,256"],
  "no-clip": ["--clip-norm", "0"],
};

/** The flags of recipe `name`; an unknown name lists the valid ones. */
export function recipeFlags(name: string): readonly string[] {
  const r = RECIPES[name];
  if (!r) throw new Error(`unknown --recipe "${name}"; valid: ${Object.keys(RECIPES).join(", ")}`);
  return r;
}
