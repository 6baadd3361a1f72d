/**
 * A minimal ONNX protobuf writer: just the messages an inference graph needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto), encoded by hand. The wire format is small (varints, length-delimited
 * fields, fixed32 floats), so a protobuf dependency and a copy of onnx.proto would be far more code than this.
 * Field numbers follow onnx/onnx.proto (IR version 8, the one that goes with opset 17). Repeated scalars are written
 * unpacked, which every protobuf parser accepts.
 */

/** ONNX TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export type AttrValue = { f: number } | { i: number } | { s: string } | { ints: number[] } | { floats: number[] } | { t: TensorProto } | { g: GraphProto };
export interface NodeProto {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, AttrValue>;
}
export interface TensorProto {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** Little-endian element bytes (raw_data). */
  raw: Uint8Array;
}
/** A graph input/output: its element type and shape, where a string is a named dynamic dimension. */
export interface ValueInfo {
  name: string;
  dataType: DataTypeCode;
  shape: (number | string)[];
}
export interface GraphProto {
  name: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}
export interface ModelProto {
  graph: GraphProto;
  opset: number;
  producer?: string;
  docString?: string;
}

/** Appends protobuf fields to a growing byte buffer. */
class Writer {
  private bytes: number[] = [];
  varint(v: number | bigint): void {
    let n = BigInt.asUintN(64, BigInt(v)); // negative int64 → two's complement, 10 bytes
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
  }
  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }
  int(field: number, v: number): void {
    this.tag(field, 0);
    this.varint(v);
  }
  float(field: number, v: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes.push(...b);
  }
  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    for (let i = 0; i < b.length; i++) this.bytes.push(b[i]!);
  }
  string(field: number, s: string): void {
    this.bytesField(field, new TextEncoder().encode(s));
  }
  message(field: number, build: (w: Writer) => void): void {
    const w = new Writer();
    build(w);
    this.bytesField(field, w.finish());
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

// AttributeProto.AttributeType
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

function writeTensor(w: Writer, t: TensorProto): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  w.bytesField(9, t.raw);
}

function writeAttr(w: Writer, name: string, a: AttrValue): void {
  w.string(1, name);
  if ("f" in a) {
    w.float(2, a.f);
    w.int(20, ATTR.FLOAT);
  } else if ("i" in a) {
    w.int(3, a.i);
    w.int(20, ATTR.INT);
  } else if ("s" in a) {
    w.string(4, a.s);
    w.int(20, ATTR.STRING);
  } else if ("t" in a) {
    w.message(5, (m) => writeTensor(m, a.t));
    w.int(20, ATTR.TENSOR);
  } else if ("g" in a) {
    w.message(6, (m) => writeGraph(m, a.g)); // a subgraph: a Loop's body
    w.int(20, ATTR.GRAPH);
  } else if ("floats" in a) {
    for (const f of a.floats) w.float(7, f);
    w.int(20, ATTR.FLOATS);
  } else {
    for (const i of a.ints) w.int(8, i);
    w.int(20, ATTR.INTS);
  }
}

function writeNode(w: Writer, n: NodeProto): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  if (n.name) w.string(3, n.name);
  w.string(4, n.opType);
  for (const [k, a] of Object.entries(n.attrs ?? {})) w.message(5, (m) => writeAttr(m, k, a));
}

function writeValueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.dataType);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function writeGraph(w: Writer, g: GraphProto): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v));
}

/** The serialized ModelProto (what an .onnx file holds). */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version 8 (ONNX 1.10+, opsets up to 17)
  w.string(2, m.producer ?? "flowmatch");
  w.message(7, (g) => writeGraph(g, m.graph));
  if (m.docString) w.string(6, m.docString);
  w.message(8, (o) => {
    o.string(1, "");
    o.int(2, m.opset);
  });
  return w.finish();
}

/** Little-endian bytes of numbers as the given element type. */
export function tensorBytes(values: ArrayLike<number>, dataType: DataTypeCode): Uint8Array {
  const n = values.length;
  switch (dataType) {
    case DataType.FLOAT:
      return new Uint8Array(Float32Array.from(values).buffer);
    case DataType.DOUBLE:
      return new Uint8Array(Float64Array.from(values).buffer);
    case DataType.INT32:
      return new Uint8Array(Int32Array.from(values).buffer);
    case DataType.INT64: {
      const b = new BigInt64Array(n);
      for (let i = 0; i < n; i++) b[i] = BigInt(Math.trunc(values[i]!));
      return new Uint8Array(b.buffer);
    }
    case DataType.BOOL:
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
