/**
 * jaxpr → ONNX: traces a jax-js function with `makeJaxpr` and lowers every equation (lower.ts) into one ONNX graph.
 *
 * Dynamic batch: a trace fixes every shape, so the function is traced twice, at two batch sizes; a dimension that
 * differs between the traces (and equals the batch size in each) is the batch dimension, and shapes holding it are
 * built at run time from the input's shape. The two traces must have the same equations — true for the library's
 * functions, whose control flow depends on shapes only through the batch.
 *
 * Parameters become initializers; arrays the function closes over (embedding frequencies, zero padding) become
 * constants — one that holds the batch size must be uniform (all entries equal) and is expanded at run time.
 * Literals and constants whose values differ between the traces (a mean's 1/B) are computed from the runtime batch
 * size (batch-consts.ts).
 */
import { makeJaxpr, type Jaxpr } from "@jax-js/jax";
import { np, treeLeaves, type Array, type Tree } from "../engine/index.js";
import { GraphBuilder, batchFactor, isBatchDim, scaledBatch, type Dim } from "./graph.js";
import { lowerEqn, onnxType, type LowerCtx } from "./lower.js";
import { DataType, encodeModel, type DataTypeCode, type GraphProto, type ValueInfo } from "./proto.js";
import { OptionError } from "../errors.js";
import { peephole } from "./peephole.js";
import { emitBatchScaled, fitBatchScaled, type BatchScaled } from "./batch-consts.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

export const OPSET = 17;
/** The two batch sizes traced (distinct, and unlikely to be mistaken for a layer width by the comparison). */
const TRACE_BATCHES = [3, 5] as const;

export interface GraphInput {
  name: string;
  /** Shape with "B" for the batch dimension. */
  shape: Dim[];
  /**
   * "int64": the file's input is int64 (class labels, as ONNX users pass indices), cast to float32 on entry; the
   * function is traced with float32 values. Default float32.
   */
  type?: "float32" | "int64";
  /**
   * Read from the enclosing graph instead of declared as this graph's input: a Loop body (export.ts's sampler)
   * uses the sampler's `label` and `guidance` by name, as ONNX subgraphs may.
   */
  outer?: boolean;
}

export interface CompileOptions {
  /**
   * Parameters (borrowed), stored in the file as initializers; passed as the function's first argument. `{}` when
   * everything is a graph input (the training step: weights change every call).
   */
  params: Tree;
  inputs: GraphInput[];
  outputs: string[];
  name?: string;
  docString?: string;
}

interface Trace {
  jaxpr: Jaxpr;
  consts: Array[];
  /** Frees the traced constants. */
  dispose(): void;
}

/** Traces `f` at one batch size. makeJaxpr borrows its arguments: the parameters stay the caller's. */
function trace(f: (params: Tree, ...inputs: Array[]) => Array | Array[], o: CompileOptions, batch: number): Trace {
  const inputs = o.inputs.map((i) => np.zeros(i.shape.map((d) => (isBatchDim(d) ? batchFactor(d) * batch : d)), { dtype: np.float32 }));
  try {
    const { jaxpr: closed } = makeJaxpr(f)(o.params, ...inputs);
    return { jaxpr: closed.jaxpr.flatten().simplify(), consts: closed.consts as unknown as Array[], dispose: () => closed.dispose() };
  } finally {
    for (const a of inputs) a.dispose();
  }
}

/**
 * Dims of `a` (trace at batch TRACE_BATCHES[0]) against its twin `b`, with "B" — or k·B, where both are k times
 * their trace's batch — where they differ.
 */
function pairDims(a: Atom, b: Atom): Dim[] {
  const sa = a.aval.shape;
  const sb = b.aval.shape;
  if (sa.length !== sb.length) throw new OptionError("ONNX export: the function's structure depends on the batch size");
  return sa.map((d, i) => {
    if (d === sb[i]) return d;
    const k = d / TRACE_BATCHES[0];
    if (Number.isInteger(k) && k >= 1 && sb[i] === k * TRACE_BATCHES[1]) return scaledBatch(k);
    throw new OptionError(`ONNX export: a dimension (${d} vs ${sb[i]}) scales with the batch in a way that is not supported`);
  });
}

/** Compiles `f(params, ...inputs)` to a serialized ONNX model (opset 17, float32, dynamic batch). */
export function compileToOnnx(f: (params: Tree, ...inputs: Array[]) => Array | Array[], o: CompileOptions): Uint8Array {
  return encodeModel({ graph: compileToGraph(f, o), opset: OPSET, docString: o.docString });
}

/** The ONNX graph of `f(params, ...inputs)` (what compileToOnnx serializes; also a Loop body). */
export function compileToGraph(f: (params: Tree, ...inputs: Array[]) => Array | Array[], o: CompileOptions): GraphProto {
  // Fixed shapes (no "B" anywhere, e.g. a training step at its batch size): one trace is both twins.
  const fixed = !o.inputs.some((i) => i.shape.includes("B"));
  const A = trace(f, o, TRACE_BATCHES[0]);
  let Bt: Trace | undefined;
  try {
    Bt = fixed ? A : trace(f, o, TRACE_BATCHES[1]);
    return peephole(lowerTraces(A, Bt, o));
  } finally {
    A.dispose();
    if (Bt !== A) Bt?.dispose();
  }
}

function lowerTraces(A: Trace, B: Trace, o: CompileOptions): GraphProto {
  const ja = A.jaxpr;
  const jb = B.jaxpr;
  if (ja.eqns.length !== jb.eqns.length || ja.inBinders.length !== jb.inBinders.length) {
    throw new OptionError("ONNX export: the function's structure depends on the batch size");
  }
  const batchIn = o.inputs.findIndex((i) => i.shape.includes("B"));
  const g = new GraphBuilder(batchIn < 0 ? undefined : { input: o.inputs[batchIn]!.name, axis: o.inputs[batchIn]!.shape.indexOf("B") });
  const names = new Map<Atom, string>();
  const dims = new Map<Atom, Dim[]>();
  const producers = new Map<Atom, JaxprEqn>();
  const nConst = A.consts.length;
  const leaves = treeLeaves(o.params) as Array[];
  if (ja.inBinders.length !== nConst + leaves.length + o.inputs.length) throw new Error("onnx: unexpected jaxpr inputs");

  const zeros = new Set<Atom>();
  const batchTypes = new Map<DataTypeCode, string>();
  ja.inBinders.forEach((v, i) => {
    const d = pairDims(v, jb.inBinders[i]!);
    dims.set(v, d);
    if (i < nConst) names.set(v, constant(g, A.consts[i]!, B.consts[i]!, d, () => zeros.add(v), batchTypes));
    else if (i < nConst + leaves.length) {
      const leaf = leaves[i - nConst]!;
      names.set(v, g.initializer(leaf.ref.dataSync() as ArrayLike<number>, leaf.shape, onnxType(String(leaf.dtype)), `param_${i - nConst}`));
    } else {
      const input = o.inputs[i - nConst - leaves.length]!;
      names.set(v, input.type === "int64" ? g.node("Cast", [input.name], { to: { i: DataType.FLOAT } }) : input.name);
    }
  });

  // Literals that differ between the twins (a mean's 1/B): computed from the runtime batch size.
  const scaledLits = new Map<Atom, BatchScaled>();
  ja.eqns.forEach((e, k) => {
    e.inputs.forEach((a, j) => {
      const b = jb.eqns[k]?.inputs[j];
      if (!("value" in a) || !b || !("value" in b)) return;
      const fit = fitBatchScaled([Number(a.value)], [Number(b.value)], TRACE_BATCHES[0], TRACE_BATCHES[1], onnxType(String(a.aval.dtype)), `a number in the function (${String(e.primitive)})`);
      if (fit) scaledLits.set(a, fit);
    });
  });

  const uses = new Map<Atom, number>();
  for (const a of [...ja.eqns.flatMap((e) => e.inputs), ...ja.outs]) uses.set(a, (uses.get(a) ?? 0) + 1);
  const ctx: LowerCtx = {
    g,
    name: (a) => {
      const n = names.get(a);
      if (n !== undefined) return n;
      const scaled = scaledLits.get(a);
      if (scaled) return emitBatchScaled(g, scaled, [], (a.aval.weakType && ctx.literalType) || onnxType(String(a.aval.dtype)), batchTypes);
      if ("value" in a) return g.scalar(a.value, (a.aval.weakType && ctx.literalType) || onnxType(String(a.aval.dtype)));
      throw new Error("onnx: a value used before it is defined");
    },
    dims: (a) => dims.get(a) ?? (a.aval.shape as number[]),
    producer: (a) => producers.get(a),
    uses: (a) => uses.get(a) ?? 0,
    zeros,
    reps: new Map(),
    syms: new Map(),
    fused: new Map(),
    roots: new Map(),
  };
  ja.eqns.forEach((e, k) => {
    const twin = jb.eqns[k]!;
    if (e.primitive !== twin.primitive) throw new OptionError("ONNX export: the function's structure depends on the batch size");
    e.outBinders.forEach((v, j) => {
      dims.set(v, pairDims(v, twin.outBinders[j]!));
      producers.set(v, e);
    });
    // Pattern rewrites (fusion, zero folding) read literals as fixed numbers: not for batch-dependent ones.
    lowerEqn(ctx, e, e.inputs.some((a) => scaledLits.has(a))).forEach((n, j) => names.set(e.outBinders[j]!, n));
  });

  if (ja.outs.length !== o.outputs.length) throw new Error(`onnx: ${ja.outs.length} outputs traced, ${o.outputs.length} named`);
  const outputs: ValueInfo[] = ja.outs.map((a, i) => {
    g.node("Identity", [ctx.name(a)], undefined, [o.outputs[i]!]);
    return { name: o.outputs[i]!, dataType: onnxType(String(a.aval.dtype)), shape: ctx.dims(a).map((d) => (isBatchDim(d) ? (d === "B" ? "batch" : `${d.slice(0, -1)}*batch`) : d)) };
  });
  const inputs: ValueInfo[] = o.inputs.filter((i) => !i.outer).map((i) => ({ name: i.name, dataType: i.type === "int64" ? DataType.INT64 : DataType.FLOAT, shape: i.shape.map((d) => (d === "B" ? "batch" : d)) }));
  return g.finish(o.name ?? "flowmatch", inputs, outputs);
}

/**
 * A closed-over array (`twin`: the same constant in the other trace): an initializer; c·B or c/B computed at run
 * time when its values differ between the traces; or — when its shape holds the batch size — a uniform value
 * expanded at run time.
 */
function constant(g: GraphBuilder, c: Array, twin: Array, d: Dim[], allZero: () => void, batchTypes: Map<DataTypeCode, string>): string {
  const values = c.ref.dataSync() as ArrayLike<number>;
  const type = onnxType(String(c.dtype));
  if (!d.some(isBatchDim)) {
    const scaled = c === twin ? undefined : fitBatchScaled(values, twin.ref.dataSync() as ArrayLike<number>, TRACE_BATCHES[0], TRACE_BATCHES[1], type, "an array the function closes over");
    if (scaled) return emitBatchScaled(g, scaled, d as number[], type, batchTypes);
  }
  if (globalThis.Array.prototype.every.call(values, (x: number) => x === 0)) allZero();
  if (!d.some(isBatchDim)) return g.initializer(values, d as number[], type);
  const v0 = values[0] ?? 0;
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== v0) throw new OptionError("ONNX export: a batch-sized constant that is not uniform cannot be exported");
  }
  return g.node("Expand", [g.scalar(Number(v0), type), g.shape(d)]);
}
