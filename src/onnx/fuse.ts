/**
 * Fusion of the stable sigmoid's derivative. jax-js has no custom derivatives, so the gradient (training) and the
 * tangent (exact divergence) of the engine's stable sigmoid (engine/activations.ts: `where`s around exp(−|x|) and
 * reciprocals) are traced as ~20 elementwise equations per layer, which ONNX Runtime does not fuse: in the
 * profiles (bench/onnx-profile.ts) they were about half the kernel time of a training step and of the likelihood.
 * Every one of those chains computes c(x)·t — an upstream cotangent or tangent t times a coefficient c built from
 * σ(x) and σ'(x) (σ' alone for the sigmoid inside Swish-β; σ + x·σ' for SiLU, where the root x is also the
 * multiplicand) — so it is emitted as t·σ(x)·(P(x) + Q(x)·(1 − σ(x))): one ONNX Sigmoid and a few Muls/Adds.
 * Accuracy: ONNX Runtime's Sigmoid (MLAS) is accurate to ~6e-8 *absolute* — it returns 0 below x ≈ −18, where the
 * traced chain keeps relative accuracy — so the fused derivative agrees with the traced one to ~1e-7 absolute (the
 * forward Sigmoid fusion in lower.ts has the same property); 1 − σ cancels to the same absolute error for large x,
 * so σ(x)·σ(−x) would buy nothing and cost a second Sigmoid.
 *
 * Rather than matching the traced trees (their shape depends on jax-js's transposition rules), each elementwise
 * value is tracked symbolically as one of:
 *  - "x":   f(x), a function of one *root* x alone (the input of a comparison with a literal: the sigmoid's input),
 *           known by its values at fixed sample points;
 *  - "lin": c(x)·t for some other value t, with the coefficient c known the same way.
 * The rules are exact algebra (a product of f(x) and c(x)·t is (f·c)(x)·t, a `where` on a condition of x picks
 * a coefficient per point, …), so a "lin" value whose coefficient equals P·σ + Q·σ' at all sample points (|x| up
 * to 100, both signs, 0) *is* that times t, and only such values are emitted in closed form — unless a comparison
 * other than x ≶ 0 went into it, whose threshold could fall between two samples. Intermediate values of the chain are
 * still lowered as traced and then pruned, being read by nothing.
 */
import type { Jaxpr } from "@jax-js/jax";
import type { LowerCtx } from "./lower.js";
import { isZero } from "./zeros.js";
import { repOf, emit } from "./repeat.js";
import { DataType, type DataTypeCode } from "./proto.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

/**
 * A value as a function of a root (values at SAMPLES), or as such a coefficient times another value t. `cut`: it
 * depends on a comparison other than x ≶ 0 (a threshold between samples could hide a piece): never fused.
 */
export type Sym = { kind: "x"; root?: Atom; v: Float64Array; cut?: boolean } | { kind: "lin"; root?: Atom; t?: Atom; v: Float64Array; cut?: boolean };

/** Where functions of the root are compared: both signs, 0, and far out where exp(−|x|) underflows in float32. */
const SAMPLES = Float64Array.from([-100, -40, -17, -9, -3.5, -1, -0.37, -0.05, 0, 0.02, 0.3, 0.8, 2, 5.5, 12, 25, 60, 100]);
const N = SAMPLES.length;
const sigma = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

const fill = (c: number) => new Float64Array(N).fill(c);
const map2 = (a: Float64Array, b: Float64Array, f: (x: number, y: number) => number) => a.map((x, i) => f(x, b[i]!));

/** The shared root of two symbolic values (undefined = either), or null when they have different roots. */
function joinRoot(a?: Atom, b?: Atom): Atom | undefined | null {
  if (a && b && a !== b) return null;
  return a ?? b;
}

/** How an operand looks symbolically: a function of a root, c·t, a known zero (0·anything), or opaque (1·itself). */
function operand(ctx: LowerCtx, a: Atom): Sym | "zero" {
  if ("value" in a) return { kind: "x", v: fill(Number(a.value)) };
  if (isZero(ctx, a)) return "zero";
  return ctx.syms.get(a) ?? { kind: "lin", t: a, v: fill(1) };
}

/** The "lin" reading of an operand (a known zero, or an all-zero function, is 0·t for any t). */
function asLin(s: Sym | "zero"): Sym | undefined {
  if (s === "zero") return { kind: "lin", v: fill(0) };
  if (s.kind === "lin") return s;
  return s.v.every((x) => x === 0) ? { kind: "lin", v: fill(0) } : undefined;
}

function linOf(a: Sym, b: Sym, v: Float64Array): Sym | undefined {
  const root = joinRoot(a.root, b.root);
  if (root === null) return undefined;
  const ta = a.kind === "lin" ? a.t : undefined;
  const tb = b.kind === "lin" ? b.t : undefined;
  if (ta && tb && ta !== tb) return undefined;
  return { kind: "lin", root, t: ta ?? tb, v };
}

const ELEMENTWISE = new Set(["neg", "exp", "reciprocal", "mul", "add", "where", "compare", "max", "min"]);

/** Records the symbolic form of `e`'s output (if it has one). Call for every equation, in order, before lowering. */
export function analyzeEqn(ctx: LowerCtx, e: JaxprEqn): void {
  const p = String(e.primitive);
  if (!ELEMENTWISE.has(p) || e.outBinders.length !== 1) return;
  const out = e.outBinders[0]!;
  const od = ctx.dims(out).join();
  if (e.inputs.some((a) => !("value" in a) && ctx.dims(a).join() !== od)) return; // no broadcasting
  if (p === "compare") {
    // A comparison with a literal makes its other operand x a root (unless it is a function of one already) — or,
    // when x = β·y (Swish-β: σ(βy) inside y·σ(βy)), y with the sigmoid's argument x = β·y recorded.
    const [a, b] = e.inputs as [Atom, Atom];
    const x = "value" in a ? b : "value" in b ? a : undefined;
    const s = x && ctx.syms.get(x);
    if (x && !("value" in x) && (!s || s.kind !== "x" || !s.root)) {
      const px = ctx.producer(x);
      const [m0, m1] = (px?.primitive === "mul" ? px.inputs : []) as Atom[];
      const y = m0 && m1 && ("value" in m1 ? m0 : "value" in m0 ? m1 : undefined);
      const lit = (y === m0 ? m1 : m0) as unknown as { value: number } | undefined;
      const beta = y ? Number(lit!.value) : 0;
      if (y && !("value" in y) && ctx.dims(y).join() === od && beta && Number.isFinite(beta)) {
        ctx.syms.set(y, { kind: "x", root: y, v: SAMPLES });
        ctx.syms.set(x, { kind: "x", root: y, v: SAMPLES.map((z) => beta * z) });
        ctx.roots.set(y, { beta, arg: x });
      } else {
        ctx.syms.set(x, { kind: "x", root: x, v: SAMPLES });
        ctx.roots.set(x, { beta: 1, arg: x });
      }
    }
  }
  const ins = e.inputs.map((a) => operand(ctx, a));
  const s = rule(p, e, ins);
  if (!s) return;
  const zeroTest = p === "compare" && e.params.op !== "equal" && e.inputs.some((a) => "value" in a && a.value === 0);
  if ((p === "compare" && !zeroTest) || ins.some((x) => x !== "zero" && x.cut)) s.cut = true;
  ctx.syms.set(out, s);
}

function rule(p: string, e: JaxprEqn, ins: (Sym | "zero")[]): Sym | undefined {
  const xs = ins.every((s) => s !== "zero" && s.kind === "x") ? (ins as Sym[]) : undefined;
  if (xs) {
    let root: Atom | undefined | null;
    for (const s of xs) if ((root = joinRoot(root ?? undefined, s.root)) === null) return undefined;
    const [a, b, c] = xs.map((s) => s.v) as [Float64Array, Float64Array, Float64Array];
    const v = (() => {
      switch (p) {
        case "neg": return a.map((x) => -x);
        case "exp": return a.map(Math.exp);
        case "reciprocal": return a.map((x) => 1 / x);
        case "mul": return map2(a, b, (x, y) => x * y);
        case "add": return map2(a, b, (x, y) => x + y);
        case "max": return map2(a, b, Math.max);
        case "min": return map2(a, b, Math.min);
        case "where": return a.map((x, i) => (x ? b[i]! : c[i]!));
        case "compare": {
          const f = ({ less: (x: number, y: number) => x < y, less_equal: (x: number, y: number) => x <= y, equal: (x: number, y: number) => x === y } as Record<string, (x: number, y: number) => boolean>)[String(e.params.op)];
          return f ? map2(a, b, (x, y) => +f(x, y)) : undefined;
        }
      }
    })();
    return v && { kind: "x", root: root ?? undefined, v };
  }
  // Linear in some t.
  if (p === "neg") {
    const s = asLin(ins[0]!);
    return s && { ...s, v: s.v.map((x) => -x) };
  }
  if (p === "add") {
    const [a, b] = ins.map(asLin);
    return a && b ? linOf(a, b, map2(a.v, b.v, (x, y) => x + y)) : undefined;
  }
  if (p === "mul") {
    const [a, b] = ins as [Sym | "zero", Sym | "zero"];
    if (a === "zero" || b === "zero") return undefined; // folded to a zero anyway
    if (a.kind === "lin" && b.kind === "lin") return undefined; // quadratic
    return linOf(a, b, map2(a.v, b.v, (x, y) => x * y));
  }
  if (p === "where") {
    const [c, a, b] = [ins[0]!, asLin(ins[1]!), asLin(ins[2]!)];
    if (c === "zero" || c.kind !== "x" || !a || !b) return undefined;
    const ab = linOf(a, b, map2(a.v, b.v, () => 0));
    if (!ab || joinRoot(ab.root, c.root) === null) return undefined;
    return { kind: "lin", root: ab.root ?? c.root, t: (ab as { t?: Atom }).t, v: c.v.map((x, i) => (x ? a.v[i]! : b.v[i]!)) };
  }
  return undefined;
}

/**
 * The closed form of a coefficient: c(y) = P(y)·σ(βy) + Q(y)·σ'(βy) with P, Q of degree ≤ 1 — σ' alone (the
 * sigmoid's derivative), σ + y·σ' (SiLU's), σ(βy) + βy·σ'(βy) (Swish-β's), their multiples — when c is that at
 * every sample and Q ≠ 0. Solved exactly at four samples where the basis is well conditioned, then checked at all.
 */
export interface SigmoidForm { p0: number; p1: number; q0: number; q1: number }
const FIT = [-3.5, -0.37, 0.8, 5.5]; // sigmoid arguments where the basis is well conditioned
const basis = (y: number, beta: number) => {
  const s = sigma(beta * y), d = s * sigma(-beta * y);
  return [s, y * s, d, y * d];
};

export function sigmoidForm(v: Float64Array, beta = 1): SigmoidForm | undefined {
  const idx: number[] = [];
  for (const f of FIT) {
    let best = -1;
    SAMPLES.forEach((z, i) => {
      if (!idx.includes(i) && (best < 0 || Math.abs(beta * z - f) < Math.abs(beta * SAMPLES[best]! - f))) best = i;
    });
    idx.push(best);
  }
  const A = idx.map((i) => basis(SAMPLES[i]!, beta));
  const y = idx.map((i) => v[i]!);
  const c = solve4(A, y);
  if (!c) return undefined;
  const round = (z: number) => (Math.abs(z - Math.round(z * 1e6) / 1e6) < 1e-9 ? Math.round(z * 1e6) / 1e6 : z);
  const [p0, p1, q0, q1] = c.map((z) => (Math.abs(z) < 1e-10 ? 0 : round(z))) as [number, number, number, number];
  if (q0 === 0 && q1 === 0) return undefined;
  for (let i = 0; i < N; i++) {
    const b = basis(SAMPLES[i]!, beta);
    const terms = [p0 * b[0]!, p1 * b[1]!, q0 * b[2]!, q1 * b[3]!];
    const fit = terms.reduce((a, z) => a + z, 0);
    const scale = terms.reduce((a, z) => a + Math.abs(z), 0);
    if (!(Math.abs(v[i]! - fit) <= 1e-9 * scale + 1e-300)) return undefined;
  }
  return { p0, p1, q0, q1 };
}

/** Gaussian elimination with partial pivoting on a 4×4 system (undefined when singular). */
function solve4(A: number[][], y: number[]): number[] | undefined {
  const M = A.map((r, i) => [...r, y[i]!]);
  const n = 4;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    if (Math.abs(M[piv]![c]!) < 1e-14) return undefined;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((r, i) => r[n]! / r[i]!);
}

/** Sigmoid(x) of an ONNX value, one node per value (the forward pass's, lower.ts, is the same node). */
export function sigmoidNode(ctx: LowerCtx, x: string): string {
  let s = ctx.fused.get(`sigmoid:${x}`);
  if (!s) ctx.fused.set(`sigmoid:${x}`, (s = ctx.g.node("Sigmoid", [x])));
  return s;
}

/**
 * The coefficient P(y)·σ(u) + Q(y)·σ(u)·(1 − σ(u)) for ONNX values y (the root) and u = β·y (the sigmoid's
 * argument), built once per (values, form).
 */
function coefficient(ctx: LowerCtx, x: string, u: string, beta: number, f: SigmoidForm, type: DataTypeCode): string {
  const key = `${x}:${u}:${f.p0}:${f.p1}:${f.q0}:${f.q1}`;
  let out = ctx.fused.get(key);
  if (out) return out;
  const g = ctx.g;
  const s = sigmoidNode(ctx, u);
  let sn = ctx.fused.get(`1-sigmoid:${u}`);
  if (!sn) ctx.fused.set(`1-sigmoid:${u}`, (sn = g.node("Sub", [g.scalar(1, type), s])));
  /** a0 + a1·x as a node, or undefined for 0 (β·x is u). */
  const linear = (a0: number, a1: number): string | undefined => {
    if (a1 === 0) return a0 === 0 ? undefined : g.scalar(a0, type);
    const ax = a1 === 1 ? x : a1 === beta ? u : g.node("Mul", [x, g.scalar(a1, type)]);
    return a0 === 0 ? ax : g.node("Add", [ax, g.scalar(a0, type)]);
  };
  const P = linear(f.p0, f.p1);
  const Q = linear(f.q0, f.q1)!;
  // P·σ + Q·σ·(1 − σ) = σ·(P + Q·(1 − σ))
  const qsn = f.q0 === 1 && f.q1 === 0 ? sn : g.node("Mul", [Q, sn]);
  out = g.node("Mul", [s, P === undefined ? qsn : g.node("Add", [qsn, P])]);
  ctx.fused.set(key, out);
  return out;
}

/** The output of `e` in closed form when it is (P·σ + Q·σ')·t; undefined to lower it as traced. */
export function lowerFused(ctx: LowerCtx, e: JaxprEqn): string[] | undefined {
  if (e.outBinders.length !== 1) return undefined;
  const out = e.outBinders[0]!;
  const s = ctx.syms.get(out);
  if (!s || s.kind !== "lin" || !s.root || !s.t || s.cut) return undefined;
  const r = ctx.roots.get(s.root);
  const f = r && sigmoidForm(s.v, r.beta);
  if (!r || !f) return undefined;
  const g = ctx.g;
  const type = String(out.aval.dtype) === "float64" ? DataType.DOUBLE : DataType.FLOAT;
  const xb = repOf(ctx, s.root);
  if (xb === undefined) return [g.node("Mul", [ctx.name(s.t), coefficient(ctx, ctx.name(s.root), ctx.name(r.arg), r.beta, f, type)])];
  // The root is a repeated value (repeat.ts): the coefficient on its base, broadcast over the copies of t.
  const ub = repOf(ctx, r.arg);
  if (ub === undefined) return undefined;
  const c = coefficient(ctx, xb, ub, r.beta, f, type);
  const tb = repOf(ctx, s.t);
  if (tb !== undefined) return emit(ctx, out, g.node("Mul", [tb, c]));
  const S = ctx.repShape!;
  const od = ctx.dims(out) as number[];
  const i64 = (v: number[]) => g.initializer(v, [v.length], DataType.INT64);
  const t3 = g.node("Reshape", [ctx.name(s.t), i64([S.k, S.B, ...od.slice(1)])]);
  return [g.node("Reshape", [g.node("Mul", [t3, g.node("Unsqueeze", [c, i64([0])])]), i64(od)])];
}
