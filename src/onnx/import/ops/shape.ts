/**
 * Shape ops. Shape, Range and ConstantOfShape give host tensors; the others keep a host input on the host (so shape
 * arithmetic such as Shape → Gather → Unsqueeze → Concat → Reshape folds to numbers at trace time) and otherwise
 * call jax-js with the static sizes. Axes, shapes, starts and ends must be host values (they are, in every graph
 * torch.onnx.export writes for a fixed architecture).
 */
import { np, fromHost, type Array as JArray } from "../../../engine/index.js";
import { HostTensor, isHost, toArray, hostValues, hostTake, intAttr, intsAttr, normAxis, refuse, shapeOf, strides, broadcastShape, type OpImpl, type OpContext, type Value } from "../value.js";
import type { Tensor } from "../decode.js";

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** A tensor with its shape replaced (same elements, row-major). */
function reshaped(v: Value, shape: number[]): Value {
  return isHost(v) ? new HostTensor(v.data, shape, v.kind) : v.ref.reshape(shape);
}

/** Elements of `v` at the index lists `idx` per axis (outer product of the lists): a general strided gather. */
function gatherAxes(v: Value, idx: number[][]): Value {
  const shape = shapeOf(v);
  if (isHost(v)) {
    const st = strides(shape);
    const outShape = idx.map((l) => l.length);
    const pos: number[] = [];
    const walk = (d: number, off: number) => {
      if (d === shape.length) return void pos.push(off);
      for (const i of idx[d]!) walk(d + 1, off + i * st[d]!);
    };
    walk(0, 0);
    return hostTake(v, pos, outShape);
  }
  let a: JArray = v.ref;
  idx.forEach((l, d) => {
    const n = shape[d]!;
    if (l.length === n && l.every((i, k) => i === k)) return;
    const step = l.length > 1 ? l[1]! - l[0]! : 1;
    if (l.length > 0 && step === 1 && l.every((i, k) => i === l[0]! + k)) {
      const sl = shape.map((_, k) => (k === d ? ([l[0]!, l[0]! + l.length] as [number, number]) : ([] as [])));
      a = a.slice(...sl);
    } else a = np.take(a, fromHost(l, [l.length], np.int32), d);
  });
  return a;
}

const shapeOp: OpImpl = ([x], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const r = s.length;
  const clampAx = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  return [HostTensor.ints(s.slice(clampAx(intAttr(ctx, "start", 0)), clampAx(intAttr(ctx, "end", r))))];
};

const reshape: OpImpl = ([x, s], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const inShape = shapeOf(x);
  const allowZero = intAttr(ctx, "allowzero", 0);
  const target = hostValues(s, ctx, "shape").map((d, i) => (d === 0 && !allowZero ? inShape[i]! : d));
  const known = target.filter((d) => d !== -1);
  if (target.length - known.length > 1) refuse(ctx, `shape [${target}] has more than one -1`);
  const fill = target.includes(-1) ? size(inShape) / size(known) : 1;
  const out = target.map((d) => (d === -1 ? fill : d));
  if (!Number.isInteger(fill) || size(out) !== size(inShape)) refuse(ctx, `cannot reshape [${inShape}] to [${target}]`);
  return [reshaped(x, out)];
};

const flatten: OpImpl = ([x], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const ax = intAttr(ctx, "axis", 1);
  const a = ax < 0 ? ax + s.length : ax;
  return [reshaped(x, [size(s.slice(0, a)), size(s.slice(a))])];
};

function transposeHost(v: HostTensor, perm: number[]): HostTensor {
  const s = v.shape;
  const st = strides(s);
  const outShape = perm.map((p) => s[p]!);
  const out = new Float64Array(v.data.length);
  const idx = new Array<number>(s.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let o = 0;
    for (let d = 0; d < perm.length; d++) o += idx[d]! * st[perm[d]!]!;
    out[k] = v.data[o]!;
    for (let d = perm.length - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return new HostTensor(out, outShape, v.kind);
}

const transpose: OpImpl = ([x], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const r = shapeOf(x).length;
  const perm = intsAttr(ctx, "perm") ?? [...Array(r).keys()].reverse();
  return [isHost(x) ? transposeHost(x, perm) : x.ref.transpose(perm)];
};

/** Axes from the input (opset ≥ `inputSince`) or the attribute. */
function axesOf(ins: (Value | undefined)[], ctx: OpContext, inputSince: number): number[] | undefined {
  if (ctx.opset >= inputSince) return ins[1] === undefined ? undefined : hostValues(ins[1], ctx, "axes");
  return intsAttr(ctx, "axes");
}

const squeeze: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const axes = (axesOf(ins, ctx, 13) ?? s.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => normAxis(a, s.length, ctx));
  for (const a of axes) if (s[a] !== 1) refuse(ctx, `cannot squeeze axis ${a} of size ${s[a]}`);
  return [reshaped(x, s.filter((_, i) => !axes.includes(i)))];
};

const unsqueeze: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const axes = axesOf(ins, ctx, 13);
  if (!axes) refuse(ctx, "axes are missing");
  const r = s.length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, r, ctx)));
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) out.push(set.has(i) ? 1 : s[k++]!);
  return [reshaped(x, out)];
};

const concat: OpImpl = (ins, ctx) => {
  // Empty 1-D pieces (torch writes them for shapes) add nothing.
  const vs = ins.filter((v): v is Value => v !== undefined && !(shapeOf(v).length === 1 && shapeOf(v)[0] === 0));
  if (!vs.length) refuse(ctx, "no inputs");
  const r = shapeOf(vs[0]!).length;
  const axis = normAxis(intAttr(ctx, "axis", 0), r, ctx);
  if (vs.every(isHost)) {
    const hs = vs as HostTensor[];
    const outer = size(hs[0]!.shape.slice(0, axis));
    const parts: number[] = [];
    for (let o = 0; o < outer; o++) {
      for (const h of hs) {
        const inner = size(h.shape.slice(axis));
        for (let i = 0; i < inner; i++) parts.push(h.data[o * inner + i]!);
      }
    }
    const shape = [...hs[0]!.shape];
    shape[axis] = hs.reduce((a, h) => a + h.shape[axis]!, 0);
    return [new HostTensor(Float64Array.from(parts), shape, hs[0]!.kind)];
  }
  return [np.concatenate(vs.map((v) => toArray(v, ctx)), axis)];
};

const split: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const axis = normAxis(intAttr(ctx, "axis", 0), s.length, ctx);
  const n = ctx.node.outputs.length;
  let sizes = ctx.opset >= 13 ? (ins[1] === undefined ? undefined : hostValues(ins[1], ctx, "split")) : intsAttr(ctx, "split");
  if (!sizes) {
    const each = Math.ceil(s[axis]! / n);
    sizes = Array.from({ length: n }, (_, i) => Math.min(each, s[axis]! - i * each));
  }
  if (sizes.length !== n || sizes.reduce((a, b) => a + b, 0) !== s[axis]) refuse(ctx, `split sizes [${sizes}] do not cover axis ${axis} of size ${s[axis]} in ${n} outputs`);
  let start = 0;
  return sizes.map((len) => {
    const idx = s.map((d, k) => (k === axis ? Array.from({ length: len }, (_, i) => start + i) : [...Array(d).keys()]));
    start += len;
    return gatherAxes(x, idx);
  });
};

const slice: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  const s = shapeOf(x);
  const starts = ctx.opset >= 10 ? hostValues(ins[1], ctx, "starts") : intsAttr(ctx, "starts") ?? [];
  const ends = ctx.opset >= 10 ? hostValues(ins[2], ctx, "ends") : intsAttr(ctx, "ends") ?? [];
  const axes = (ctx.opset >= 10 ? (ins[3] === undefined ? undefined : hostValues(ins[3], ctx, "axes")) : intsAttr(ctx, "axes")) ?? starts.map((_, i) => i);
  const steps = ctx.opset >= 10 && ins[4] !== undefined ? hostValues(ins[4], ctx, "steps") : starts.map(() => 1);
  const idx = s.map((d) => [...Array(d).keys()]);
  axes.forEach((ax0, i) => {
    const ax = normAxis(ax0, s.length, ctx);
    const d = s[ax]!;
    const step = steps[i]!;
    if (step === 0) refuse(ctx, "a step of 0");
    const clampS = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const b = step > 0 ? clampS(starts[i]!, 0, d) : clampS(starts[i]!, -1, d - 1);
    const e = step > 0 ? clampS(ends[i]!, 0, d) : clampS(ends[i]!, -1, d - 1);
    const l: number[] = [];
    for (let k = b; step > 0 ? k < e : k > e; k += step) l.push(k);
    idx[ax] = l;
  });
  if (idx.some((l) => l.length === 0)) {
    if (!isHost(x)) refuse(ctx, "an empty slice of a traced tensor");
    return [new HostTensor(new Float64Array(0), idx.map((l) => l.length), x.kind)];
  }
  return [gatherAxes(x, idx)];
};

const gather: OpImpl = ([data, indices], ctx) => {
  if (!data || !indices) refuse(ctx, "an input is missing");
  const s = shapeOf(data);
  const axis = normAxis(intAttr(ctx, "axis", 0), s.length, ctx);
  const n = s[axis]!;
  if (isHost(indices)) {
    const ii = Array.from(indices.data, (i) => (i < 0 ? i + n : i));
    if (ii.some((i) => !(i >= 0 && i < n))) refuse(ctx, `an index is out of range for axis ${axis} of size ${n}`);
    const outShape = [...s.slice(0, axis), ...indices.shape, ...s.slice(axis + 1)];
    if (isHost(data)) {
      const outer = size(s.slice(0, axis));
      const inner = size(s.slice(axis + 1));
      const pos: number[] = [];
      for (let o = 0; o < outer; o++) for (const i of ii) for (let k = 0; k < inner; k++) pos.push((o * n + i) * inner + k);
      return [hostTake(data, pos, outShape)];
    }
    const taken = np.take(data.ref, fromHost(ii, [ii.length], np.int32), axis);
    return [taken.reshape(outShape)];
  }
  // Data-dependent indices (class labels): negative ones wrap, as ONNX specifies.
  let idx = indices.ref.astype(np.int32);
  idx = np.where(np.less(idx.ref, 0), idx.ref.add(n), idx);
  const outShape = [...s.slice(0, axis), ...indices.shape, ...s.slice(axis + 1)];
  return [np.take(toArray(data, ctx), idx.reshape([-1]), axis).reshape(outShape)];
};

const constantOfShape: OpImpl = ([shape], ctx) => {
  const dims = hostValues(shape, ctx, "shape");
  const a = ctx.node.attrs.value;
  const t: Tensor | undefined = a && "t" in a ? a.t : undefined;
  const v = t ? t.data[0]! : 0;
  const kind = t ? (t.dataType === 1 || t.dataType === 10 || t.dataType === 11 ? "float" : t.dataType === 9 ? "bool" : "int") : "float";
  return [new HostTensor(new Float64Array(size(dims)).fill(v), dims, kind)];
};

const expand: OpImpl = ([x, shape], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const out = broadcastShape(shapeOf(x), hostValues(shape, ctx, "shape"), ctx);
  if (isHost(x)) {
    const st = strides(out);
    const pad = [...new Array<number>(out.length - x.shape.length).fill(1), ...x.shape];
    const xs = strides(pad);
    const data = Float64Array.from({ length: size(out) }, (_, k) => {
      let o = 0;
      for (let d = 0, rem = k; d < out.length; d++) {
        const i = Math.floor(rem / st[d]!);
        rem -= i * st[d]!;
        if (pad[d] !== 1) o += i * xs[d]!;
      }
      return x.data[o]!;
    });
    return [new HostTensor(data, out, x.kind)];
  }
  return [np.broadcastTo(x.ref, out)];
};

const range: OpImpl = ([start, limit, delta], ctx) => {
  const [s] = hostValues(start, ctx, "start");
  const [l] = hostValues(limit, ctx, "limit");
  const [d] = hostValues(delta, ctx, "delta");
  const n = Math.max(Math.ceil((l! - s!) / d!), 0);
  const kind = isHost(start) ? start.kind : "float";
  return [new HostTensor(Float64Array.from({ length: n }, (_, i) => s! + i * d!), [n], kind)];
};

const tile: OpImpl = ([x, reps], ctx) => {
  if (!x) refuse(ctx, "the input is missing");
  const r = hostValues(reps, ctx, "repeats");
  const s = shapeOf(x);
  return [gatherAxes(x, s.map((d, i) => Array.from({ length: d * r[i]! }, (_, k) => k % d)))];
};

export const shapeOps: Record<string, OpImpl> = {
  Shape: shapeOp, Reshape: reshape, Flatten: flatten, Transpose: transpose, Squeeze: squeeze, Unsqueeze: unsqueeze,
  Concat: concat, Split: split, Slice: slice, Gather: gather, ConstantOfShape: constantOfShape, Expand: expand,
  Range: range, Tile: tile,
};
export { gatherAxes };
