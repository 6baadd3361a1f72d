/**
 * GraphBuilder: collects ONNX nodes and initializers under fresh names while a jaxpr is lowered, and knows the
 * graph's dynamic batch size (read once from an input's shape) so that shape tensors can name it. Dead nodes (e.g.
 * the reshapes and transposes a fused MatMul no longer reads) are pruned when the graph is finished.
 */
import { DataType, tensorBytes, type AttrValue, type DataTypeCode, type GraphProto, type NodeProto, type TensorProto, type ValueInfo } from "./proto.js";

/**
 * A dimension of a traced value: a fixed size, "B" for the dynamic batch size, or `${k}B` for k times it (the rows
 * of a batch of images flattened to pixels, [B·H·W, C], as the U-Net's im2col convolutions reshape them).
 */
export type Dim = number | "B" | `${number}B`;

/** Whether a dimension scales with the batch. */
export const isBatchDim = (d: Dim): d is "B" | `${number}B` => typeof d === "string";
/** The factor k of a batch dimension k·B (1 for "B"). */
export const batchFactor = (d: "B" | `${number}B`): number => (d === "B" ? 1 : Number(d.slice(0, -1)));
/** The dimension k·B ("B" when k = 1). */
export const scaledBatch = (k: number): Dim => (k === 1 ? "B" : `${k}B`);

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;
  private scalars = new Map<string, string>();
  private batchName?: string;
  private batchMultiples = new Map<number, string>();
  private smallInts = new Map<string, string>();
  private shapes = new Map<string, string>();
  private transposes = new Map<string, { input: string; perm: number[] }>();

  /** @param batchSource where the batch size is read from: an input's name and the axis that is the batch. */
  constructor(private readonly batchSource?: { input: string; axis: number }) {}

  fresh(prefix = "v"): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Adds a node and returns its (first) output name. */
  node(opType: string, inputs: string[], attrs?: Record<string, AttrValue>, outputs?: string[]): string {
    const outs = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({ opType, inputs, outputs: outs, attrs, name: `${opType}_${this.nodes.length}` });
    return outs[0]!;
  }

  /**
   * A constant tensor. Small int64 ones (axes, shapes, pads: thousands of them in an unrolled sampler) are shared by
   * content — ONNX Runtime's session setup slows down with the count of initializers.
   */
  initializer(values: ArrayLike<number>, dims: number[], dataType: DataTypeCode, name?: string): string {
    const key = name === undefined && dataType === DataType.INT64 && values.length <= 16 ? `${dims.join("x")}:${globalThis.Array.from(values).join(",")}` : undefined;
    const shared = key === undefined ? undefined : this.smallInts.get(key);
    if (shared) return shared;
    const n = name ?? this.fresh("c");
    this.initializers.push({ name: n, dataType, dims, raw: tensorBytes(values, dataType) });
    if (key !== undefined) this.smallInts.set(key, n);
    return n;
  }

  /**
   * Transpose(x, perm), composed with a Transpose that produced x (the MatMul views of dot.ts stack them); the
   * identity permutation is no node at all.
   */
  transpose(x: string, perm: number[]): string {
    const src = this.transposes.get(x);
    if (src) return this.transpose(src.input, perm.map((i) => src.perm[i]!));
    if (perm.every((p, i) => p === i)) return x;
    const out = this.node("Transpose", [x], { perm: { ints: perm } });
    this.transposes.set(out, { input: x, perm });
    return out;
  }

  /** A scalar constant, shared between every use of the same value and type. */
  scalar(value: number, dataType: DataTypeCode): string {
    const key = `${dataType}:${Object.is(value, -0) ? "-0" : value}`;
    let name = this.scalars.get(key);
    if (!name) {
      name = this.initializer([value], [], dataType);
      this.scalars.set(key, name);
    }
    return name;
  }

  /** The batch size as an int64 tensor of shape [1], computed once from the batch input. */
  batch(): string {
    if (!this.batchName) {
      if (!this.batchSource) throw new Error("onnx: a batch-dependent shape in a graph without a batch input");
      const shape = this.node("Shape", [this.batchSource.input]);
      const idx = this.initializer([this.batchSource.axis], [1], DataType.INT64);
      this.batchName = this.node("Gather", [shape, idx], { axis: { i: 0 } });
    }
    return this.batchName;
  }

  /** k times the batch size, an int64 tensor of shape [1] (computed once per k). */
  batchTimes(k: number): string {
    if (k === 1) return this.batch();
    let name = this.batchMultiples.get(k);
    if (!name) {
      name = this.node("Mul", [this.batch(), this.initializer([k], [1], DataType.INT64)]);
      this.batchMultiples.set(k, name);
    }
    return name;
  }

  /**
   * A 1-D int64 shape tensor for `dims`: a constant, or a Concat with the runtime batch size where a dim holds it
   * (built once per distinct shape: a U-Net reshapes to the same few shapes hundreds of times).
   */
  shape(dims: Dim[]): string {
    if (!dims.some(isBatchDim)) return this.initializer(dims as number[], [dims.length], DataType.INT64);
    const key = dims.join(",");
    let name = this.shapes.get(key);
    if (!name) {
      name = this.batchShape(dims);
      this.shapes.set(key, name);
    }
    return name;
  }

  /**
   * The shape input of a Reshape to `dims`: with a single batch dimension a constant with −1 there (ONNX infers
   * it), which spares the runtime shape arithmetic and lets ONNX Runtime see the other sizes when it loads the
   * graph — its session setup is several times slower on runtime-computed shapes.
   */
  reshapeTo(dims: Dim[]): string {
    const batchDims = dims.filter(isBatchDim).length;
    if (batchDims !== 1 || dims.includes(0)) return this.shape(dims);
    return this.initializer(dims.map((d) => (isBatchDim(d) ? -1 : d)), [dims.length], DataType.INT64);
  }

  private batchShape(dims: Dim[]): string {
    const parts: string[] = [];
    let run: number[] = [];
    const flush = () => {
      if (run.length) parts.push(this.initializer(run, [run.length], DataType.INT64));
      run = [];
    };
    for (const d of dims) {
      if (isBatchDim(d)) {
        flush();
        parts.push(this.batchTimes(batchFactor(d)));
      } else run.push(d);
    }
    flush();
    return parts.length === 1 ? parts[0]! : this.node("Concat", parts, { axis: { i: 0 } });
  }

  /**
   * The finished graph: nodes that no output depends on, and initializers nothing reads, are dropped; an output
   * that is an Identity of another node's result takes that result's place (no copy: the training step's outputs
   * are all its weights and moments).
   */
  finish(name: string, inputs: ValueInfo[], outputs: ValueInfo[]): GraphProto {
    this.renameOutputs(new Set(outputs.map((o) => o.name)));
    const needed = new Set(outputs.map((o) => o.name));
    const kept: NodeProto[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i]!;
      if (!n.outputs.some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const x of n.inputs) needed.add(x);
    }
    kept.reverse();
    return { name, nodes: kept, initializers: this.initializers.filter((t) => needed.has(t.name)), inputs, outputs };
  }

  private renameOutputs(outs: Set<string>): void {
    const producer = new Map<string, NodeProto>();
    for (const n of this.nodes) for (const o of n.outputs) producer.set(o, n);
    const claimed = new Set<string>();
    for (const id of this.nodes) {
      if (id.opType !== "Identity" || !outs.has(id.outputs[0]!)) continue;
      const x = id.inputs[0]!;
      const src = producer.get(x);
      if (!src || outs.has(x) || claimed.has(x)) continue; // a graph input, or a value that is an output itself
      claimed.add(x);
      const y = id.outputs[0]!;
      for (const n of this.nodes) {
        n.inputs = n.inputs.map((i) => (i === x ? y : i));
        n.outputs = n.outputs.map((o) => (o === x ? y : o));
      }
      id.opType = "Dropped";
    }
    for (let i = this.nodes.length - 1; i >= 0; i--) if (this.nodes[i]!.opType === "Dropped") this.nodes.splice(i, 1);
  }
}
