/**
 * A minimal ONNX protobuf READER: the inverse of ../proto.ts for the messages an inference graph holds (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto). Field numbers follow onnx/onnx.proto. Tensor
 * values come from raw_data or the typed fields (float_data, int32_data, int64_data, double_data), packed or not.
 * Every element is kept as a float64 number (exact for float32, int32 and the int64 values shape data uses), which
 * keeps the interpreter's host arithmetic one simple type. Unknown fields are skipped, as protobuf requires.
 */
import { OptionError } from "../../errors.js";

/** ONNX TensorProto.DataType codes the importer knows by name (for messages). */
export const DTYPE_NAMES: Record<number, string> = {
  1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64",
};

export interface Tensor {
  name: string;
  dataType: number;
  dims: number[];
  /** The elements, row-major, as numbers. */
  data: Float64Array;
}
export type Attr = { f: number } | { i: number } | { s: string } | { t: Tensor } | { floats: number[] } | { ints: number[] } | { strings: string[] };
export interface Node {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}
export interface ValueInfo {
  name: string;
  elemType: number;
  /** Static sizes as numbers; a named (dynamic) dimension as its name; unknown as "?". */
  shape: (number | string)[];
}
export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}
export interface Model {
  irVersion: number;
  producer: string;
  /** The default-domain opset ("" or "ai.onnx"). */
  opset: number;
  graph: Graph;
}

/** Reads protobuf fields from a byte slice. */
class Reader {
  pos: number;
  constructor(
    private readonly b: Uint8Array,
    start = 0,
    readonly end = b.length,
  ) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error("truncated varint");
      const byte = this.b[this.pos++]!;
      r |= BigInt(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return r;
      shift += 7n;
      if (shift > 70n) throw new Error("varint too long");
    }
  }
  /** A varint as a signed 64-bit number (int64 fields). */
  int(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }
  tag(): [field: number, wire: number] {
    const t = Number(this.varint());
    return [t >>> 3, t & 7];
  }
  sub(): Reader {
    const n = Number(this.varint());
    if (this.pos + n > this.end) throw new Error("truncated field");
    const r = new Reader(this.b, this.pos, this.pos + n);
    this.pos += n;
    return r;
  }
  bytes(): Uint8Array {
    const r = this.sub();
    return this.b.subarray(r.pos, r.end);
  }
  string(): string {
    return new TextDecoder().decode(this.bytes());
  }
  fixed32(): DataView {
    if (this.pos + 4 > this.end) throw new Error("truncated fixed32");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4);
    this.pos += 4;
    return v;
  }
  fixed64(): DataView {
    if (this.pos + 8 > this.end) throw new Error("truncated fixed64");
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 8);
    this.pos += 8;
    return v;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.sub();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  /** A repeated scalar field, packed (wire 2) or one element (its own wire type). */
  repeated(wire: number, one: (r: Reader) => number, out: number[]): void {
    if (wire !== 2) {
      out.push(one(this));
      return;
    }
    const r = this.sub();
    while (!r.done()) out.push(one(r));
  }
}

const f32 = (r: Reader) => r.fixed32().getFloat32(0, true);
const f64 = (r: Reader) => r.fixed64().getFloat64(0, true);
const i64 = (r: Reader) => r.int();
const u64 = (r: Reader) => Number(r.varint());
/** int32_data holds int32 and narrower types as varints of their (sign-extended) value. */
const i32 = (r: Reader) => Number(BigInt.asIntN(32, r.varint()));

/** raw_data's little-endian bytes as numbers of `dataType`. */
function rawValues(raw: Uint8Array, dataType: number, name: string): Float64Array {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8 };
  const s = size[dataType];
  if (!s) throw new OptionError(`ONNX tensor "${name}": element type ${DTYPE_NAMES[dataType] ?? dataType} is not supported`);
  const n = Math.floor(raw.byteLength / s);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * s;
    switch (dataType) {
      case 1: out[i] = v.getFloat32(o, true); break;
      case 2: case 9: out[i] = v.getUint8(o); break;
      case 3: out[i] = v.getInt8(o); break;
      case 4: out[i] = v.getUint16(o, true); break;
      case 5: out[i] = v.getInt16(o, true); break;
      case 6: out[i] = v.getInt32(o, true); break;
      case 7: out[i] = Number(v.getBigInt64(o, true)); break;
      case 10: out[i] = halfToFloat(v.getUint16(o, true)); break;
      case 11: out[i] = v.getFloat64(o, true); break;
      case 12: out[i] = v.getUint32(o, true); break;
      case 13: out[i] = Number(v.getBigUint64(o, true)); break;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function readTensor(r: Reader): Tensor {
  const t: Tensor = { name: "", dataType: 0, dims: [], data: new Float64Array(0) };
  let raw: Uint8Array | undefined;
  const typed: number[] = [];
  let external = false;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) r.repeated(w, i64, t.dims);
    else if (f === 2) t.dataType = r.int();
    else if (f === 4) r.repeated(w, f32, typed);
    else if (f === 5) r.repeated(w, i32, typed);
    else if (f === 7) r.repeated(w, i64, typed);
    else if (f === 8) t.name = r.string();
    else if (f === 9) raw = r.bytes();
    else if (f === 10) r.repeated(w, f64, typed);
    else if (f === 11) r.repeated(w, u64, typed);
    else if (f === 13) (external = true), r.skip(w);
    else r.skip(w);
  }
  if (external) throw new OptionError(`ONNX tensor "${t.name}" keeps its data in an external file; export with the weights inside the .onnx file`);
  let data = raw ? rawValues(raw, t.dataType, t.name) : Float64Array.from(typed);
  if (t.dataType === 10 && !raw) data = data.map(halfToFloat);
  const n = t.dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new OptionError(`ONNX tensor "${t.name}": ${data.length} values for shape [${t.dims}] (${n} expected)`);
  t.data = data;
  return t;
}

function readAttr(r: Reader): [string, Attr | undefined] {
  let name = "";
  let type = 0;
  const a: { f?: number; i?: number; s?: string; t?: Tensor; floats: number[]; ints: number[]; strings: string[] } = { floats: [], ints: [], strings: [] };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) name = r.string();
    else if (f === 20) type = r.int();
    else if (f === 2) a.f = f32(r);
    else if (f === 3) a.i = r.int();
    else if (f === 4) a.s = r.string();
    else if (f === 5) a.t = readTensor(r.sub());
    else if (f === 7) r.repeated(w, f32, a.floats);
    else if (f === 8) r.repeated(w, i64, a.ints);
    else if (f === 9) a.strings.push(r.string());
    else r.skip(w);
  }
  // Type 0 (old writers): whichever value field is present.
  switch (type) {
    case 1: return [name, { f: a.f ?? 0 }];
    case 2: return [name, { i: a.i ?? 0 }];
    case 3: return [name, { s: a.s ?? "" }];
    case 4: return [name, a.t ? { t: a.t } : undefined];
    case 6: return [name, { floats: a.floats }];
    case 7: return [name, { ints: a.ints }];
    case 8: return [name, { strings: a.strings }];
    case 0:
      if (a.f !== undefined) return [name, { f: a.f }];
      if (a.i !== undefined) return [name, { i: a.i }];
      if (a.s !== undefined) return [name, { s: a.s }];
      if (a.t) return [name, { t: a.t }];
      if (a.floats.length) return [name, { floats: a.floats }];
      return [name, { ints: a.ints }];
    default: return [name, undefined]; // graphs: refused by the interpreter when an op needs them
  }
}

function readNode(r: Reader): Node {
  const n: Node = { opType: "", domain: "", name: "", inputs: [], outputs: [], attrs: {} };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) n.inputs.push(r.string());
    else if (f === 2) n.outputs.push(r.string());
    else if (f === 3) n.name = r.string();
    else if (f === 4) n.opType = r.string();
    else if (f === 7) n.domain = r.string();
    else if (f === 5) {
      const [k, a] = readAttr(r.sub());
      if (a) n.attrs[k] = a;
      else throw new OptionError(`ONNX node "${n.name || n.opType}": attribute "${k}" holds a subgraph, which the importer does not support`);
    } else r.skip(w);
  }
  return n;
}

function readValueInfo(r: Reader): ValueInfo {
  const v: ValueInfo = { name: "", elemType: 0, shape: [] };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) v.name = r.string();
    else if (f === 2) {
      const type = r.sub();
      while (!type.done()) {
        const [tf, tw] = type.tag();
        if (tf !== 1) {
          type.skip(tw);
          continue;
        }
        const tensor = type.sub();
        while (!tensor.done()) {
          const [ef, ew] = tensor.tag();
          if (ef === 1) v.elemType = tensor.int();
          else if (ef === 2) {
            const shape = tensor.sub();
            while (!shape.done()) {
              const [sf, sw] = shape.tag();
              if (sf !== 1) {
                shape.skip(sw);
                continue;
              }
              const dim = shape.sub();
              let d: number | string = "?";
              while (!dim.done()) {
                const [df, dw] = dim.tag();
                if (df === 1) d = dim.int();
                else if (df === 2) d = dim.string();
                else dim.skip(dw);
              }
              v.shape.push(d);
            }
          } else tensor.skip(ew);
        }
      }
    } else r.skip(w);
  }
  return v;
}

function readGraph(r: Reader): Graph {
  const g: Graph = { name: "", nodes: [], initializers: [], inputs: [], outputs: [] };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) g.nodes.push(readNode(r.sub()));
    else if (f === 2) g.name = r.string();
    else if (f === 5) g.initializers.push(readTensor(r.sub()));
    else if (f === 11) g.inputs.push(readValueInfo(r.sub()));
    else if (f === 12) g.outputs.push(readValueInfo(r.sub()));
    else if (f === 15) throw new OptionError("the ONNX graph has sparse initializers, which the importer does not support");
    else r.skip(w);
  }
  // Older exporters list initializers among the inputs too: those are weights, not inputs.
  const init = new Set(g.initializers.map((t) => t.name));
  g.inputs = g.inputs.filter((v) => !init.has(v.name));
  return g;
}

/** The ModelProto in an .onnx file's bytes. A malformed file is a one-line OptionError. */
export function decodeModel(bytes: Uint8Array): Model {
  const m: Model = { irVersion: 0, producer: "", opset: 0, graph: { name: "", nodes: [], initializers: [], inputs: [], outputs: [] } };
  let sawGraph = false;
  try {
    const r = new Reader(bytes);
    while (!r.done()) {
      const [f, w] = r.tag();
      if (f === 1) m.irVersion = r.int();
      else if (f === 2) m.producer = r.string();
      else if (f === 7) (m.graph = readGraph(r.sub())), (sawGraph = true);
      else if (f === 8) {
        const o = r.sub();
        let domain = "";
        let version = 0;
        while (!o.done()) {
          const [of, ow] = o.tag();
          if (of === 1) domain = o.string();
          else if (of === 2) version = o.int();
          else o.skip(ow);
        }
        if (domain === "" || domain === "ai.onnx") m.opset = version;
      } else r.skip(w);
    }
  } catch (e) {
    if (e instanceof OptionError) throw e;
    throw new OptionError(`not a readable ONNX model (${(e as Error).message})`);
  }
  if (!sawGraph) throw new OptionError("not an ONNX model: no graph found");
  if (!m.opset) throw new OptionError("the ONNX model names no default-domain opset");
  return m;
}
