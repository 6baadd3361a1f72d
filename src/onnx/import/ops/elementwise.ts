/**
 * Elementwise ops: activations and math functions, binary arithmetic and comparisons (numpy broadcasting), Where,
 * Cast, Clip, Identity. On host tensors (shape arithmetic, constants) they compute on the host; otherwise in jax-js,
 * uploading any host operand in the working dtype.
 */
import { np, nnOps, lax, type Array } from "../../../engine/index.js";
import { HostTensor, isHost, toArray, hostZip, floatAttr, intAttr, kindOfOnnx, refuse, type OpImpl, type OpContext, type Value } from "../value.js";

type Unary = [(x: Array, ctx: OpContext) => Array, ((x: number, ctx: OpContext) => number)?];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const erfHost = (x: number) => {
  // Abramowitz–Stegun 7.1.26 is too coarse for 1e-7; use the series/continued fraction split.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
};

const UNARY: Record<string, Unary> = {
  Relu: [(x) => nnOps.relu(x), (x) => Math.max(x, 0)],
  Sigmoid: [(x) => nnOps.sigmoid(x), sigmoid],
  Tanh: [(x) => np.tanh(x), Math.tanh],
  Softplus: [(x) => nnOps.softplus(x), (x) => Math.log1p(Math.exp(x))],
  Elu: [(x, c) => nnOps.elu(x, floatAttr(c, "alpha", 1)), (x, c) => (x > 0 ? x : floatAttr(c, "alpha", 1) * Math.expm1(x))],
  LeakyRelu: [(x, c) => nnOps.leakyRelu(x, floatAttr(c, "alpha", 0.01)), (x, c) => (x > 0 ? x : floatAttr(c, "alpha", 0.01) * x)],
  Exp: [(x) => np.exp(x), Math.exp],
  Log: [(x) => np.log(x), Math.log],
  Sin: [(x) => np.sin(x), Math.sin],
  Cos: [(x) => np.cos(x), Math.cos],
  Sqrt: [(x) => np.sqrt(x), Math.sqrt],
  Erf: [(x) => lax.erf(x), erfHost],
  Neg: [(x) => np.negative(x), (x) => -x],
  Abs: [(x) => np.absolute(x), Math.abs],
  Reciprocal: [(x) => np.reciprocal(x), (x) => 1 / x],
  Floor: [(x) => np.floor(x), Math.floor],
  Ceil: [(x) => np.ceil(x), Math.ceil],
  Not: [(x) => np.logicalNot(x), (x) => (x ? 0 : 1)],
};

type Binary = [(a: Array, b: Array) => Array, (a: number, b: number, int: boolean) => number, "same" | "bool"];
const BINARY: Record<string, Binary> = {
  Add: [(a, b) => np.add(a, b), (a, b) => a + b, "same"],
  Sub: [(a, b) => np.subtract(a, b), (a, b) => a - b, "same"],
  Mul: [(a, b) => np.multiply(a, b), (a, b) => a * b, "same"],
  Div: [(a, b) => (a.dtype === np.int32 ? np.trunc(np.trueDivide(a, b)).astype(np.int32) : np.trueDivide(a, b)), (a, b, int) => (int ? Math.trunc(a / b) : a / b), "same"],
  Pow: [(a, b) => np.power(a, b), (a, b) => a ** b, "same"],
  Max: [(a, b) => np.maximum(a, b), (a, b) => Math.max(a, b), "same"],
  Min: [(a, b) => np.minimum(a, b), (a, b) => Math.min(a, b), "same"],
  Mod: [(a, b) => np.remainder(a, b), (a, b) => a - Math.floor(a / b) * b, "same"],
  Equal: [(a, b) => np.equal(a, b), (a, b) => +(a === b), "bool"],
  Less: [(a, b) => np.less(a, b), (a, b) => +(a < b), "bool"],
  Greater: [(a, b) => np.greater(a, b), (a, b) => +(a > b), "bool"],
  LessOrEqual: [(a, b) => np.lessEqual(a, b), (a, b) => +(a <= b), "bool"],
  GreaterOrEqual: [(a, b) => np.greaterEqual(a, b), (a, b) => +(a >= b), "bool"],
  And: [(a, b) => np.logicalAnd(a, b), (a, b) => +(a && b), "bool"],
  Or: [(a, b) => np.logicalOr(a, b), (a, b) => +(a || b), "bool"],
};

function unary(op: string, [arr, host]: Unary): OpImpl {
  return ([x], ctx) => {
    if (!x) refuse(ctx, "the input is missing");
    if (isHost(x)) {
      if (!host) refuse(ctx, "a constant input is not supported");
      return [new HostTensor(x.data.map((v) => host(v, ctx)), x.shape, op === "Not" ? "bool" : x.kind)];
    }
    return [arr(x.ref, ctx)];
  };
}

function binary([arr, host, out]: Binary, op: string): OpImpl {
  return (ins, ctx) => {
    const [a, b] = ins;
    if (!a || !b) refuse(ctx, "an input is missing");
    if (op === "Mod" && intAttr(ctx, "fmod", 0)) {
      // fmod = 1: C's fmod (the dividend's sign) instead of Python's remainder.
      if (isHost(a) && isHost(b)) return [hostZip([a, b], (x, y) => x % y, a.kind, ctx)];
      return [np.fmod(toArray(a, ctx), toArray(b, ctx))];
    }
    if (isHost(a) && isHost(b)) {
      const int = a.kind === "int";
      return [hostZip([a, b], (x, y) => host(x, y, int), out === "bool" ? "bool" : a.kind, ctx)];
    }
    // Constant exponents as multiplications: exact, and differentiable at x = 0.
    if (op === "Pow" && isHost(b) && b.data.length === 1 && !isHost(a)) {
      const e = b.data[0]!;
      if (e === 1) return [a.ref];
      if (e === 2) return [np.square(a.ref)];
      if (e === 0.5) return [np.sqrt(a.ref)];
      if (e === 3) return [np.multiply(np.square(a.ref), a.ref)];
    }
    return [arr(toArray(a, ctx), toArray(b, ctx))];
  };
}

/** Max/Min/Sum/Mean take any number of inputs. */
function variadic(op: "Max" | "Min" | "Sum" | "Mean"): OpImpl {
  return (ins, ctx) => {
    const vs = ins.filter((v): v is Value => v !== undefined);
    if (!vs.length) refuse(ctx, "no inputs");
    const f = op === "Max" ? BINARY.Max! : op === "Min" ? BINARY.Min! : BINARY.Add!;
    let acc = vs[0]!;
    let owned = false;
    for (const v of vs.slice(1)) {
      const [r] = binary(f, op)([acc, v], ctx);
      if (owned && !isHost(acc)) acc.dispose();
      acc = r!;
      owned = true;
    }
    if (op === "Mean") {
      const [r] = binary(BINARY.Div!, "Div")([acc, HostTensor.scalar(vs.length, "float")], ctx);
      if (owned && !isHost(acc)) acc.dispose();
      return [r!];
    }
    return [owned || isHost(acc) ? acc : acc.ref];
  };
}

const where: OpImpl = ([c, x, y], ctx) => {
  if (!c || !x || !y) refuse(ctx, "an input is missing");
  if (isHost(c) && isHost(x) && isHost(y)) return [hostZip([c, x, y], (p, a, b) => (p ? a : b), x.kind, ctx)];
  return [np.where(toArray(c, ctx), toArray(x, ctx), toArray(y, ctx))];
};

const cast: OpImpl = ([x], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const kind = kindOfOnnx(intAttr(ctx, "to", 1));
  if (isHost(x)) {
    const data = kind === "int" && x.kind === "float" ? x.data.map(Math.trunc) : kind === "bool" ? x.data.map((v) => +(v !== 0)) : x.data;
    return [new HostTensor(Float64Array.from(data), x.shape, kind)];
  }
  if (kind === "float") return [x.dtype === np.bool ? x.ref.astype(np.int32).astype(ctx.dtype) : x.ref.astype(ctx.dtype)];
  if (kind === "bool") return [np.notEqual(x.ref, 0)];
  return [x.dtype === np.int32 ? x.ref : x.ref.astype(np.int32)];
};

const clip: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  // Opset 11+: min and max are optional inputs; before, attributes.
  const lo = ins[1] ?? (ctx.node.attrs.min ? HostTensor.scalar(floatAttr(ctx, "min", -Infinity), "float") : undefined);
  const hi = ins[2] ?? (ctx.node.attrs.max ? HostTensor.scalar(floatAttr(ctx, "max", Infinity), "float") : undefined);
  let r: Value = x;
  let owned = false;
  for (const [bound, f] of [[lo, BINARY.Max!], [hi, BINARY.Min!]] as const) {
    if (!bound) continue;
    const [n] = binary(f, "")([r, bound], ctx);
    if (owned && !isHost(r)) r.dispose();
    r = n!;
    owned = true;
  }
  return [owned || isHost(r) ? r : r.ref];
};

const identity: OpImpl = ([x], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  return [isHost(x) ? x : x.ref];
};

export const elementwiseOps: Record<string, OpImpl> = {
  ...Object.fromEntries(Object.entries(UNARY).map(([k, u]) => [k, unary(k, u)])),
  ...Object.fromEntries(Object.entries(BINARY).filter(([k]) => k !== "Max" && k !== "Min").map(([k, b]) => [k, binary(b, k)])),
  Max: variadic("Max"),
  Min: variadic("Min"),
  Sum: variadic("Sum"),
  Mean: variadic("Mean"),
  Where: where,
  Cast: cast,
  Clip: clip,
  Identity: identity,
  Dropout: identity,
};
