/**
 * Peephole rewrites on a finished ONNX graph, for the elementwise passes that ONNX Runtime's CPU provider runs as
 * written: it fuses MatMul + Add into Gemm and x·Sigmoid(x) into QuickGelu, but not Add(x, Neg(y)) or
 * x·Reciprocal(y), and it does not move scalar factors. On the training step's flat optimizer (133k-entry vectors)
 * and the SiLU derivatives ([batch, 256]) every pass is a full read and write of a large tensor, so each node removed
 * is time saved (bench/README.md, fourth round). Rules (large = not known to hold one element):
 *  - Add(x, Neg(y)) → Sub(x, y) (bit-identical);
 *  - Mul(x, Reciprocal(y)) → Div(x, y) for a large y whose Reciprocal only Muls read (one rounding instead of two);
 *  - scalar factors float outward and meet: Mul(Mul(X, a), b) → Mul(X, a·b), Neg(Mul(X, a)) → Mul(X, −a),
 *    Mul(Neg(X), b) → Mul(X, −b), Div(Mul(X, a), Y) → Mul(Div(X, Y), a), for one-element a, b (the scalar products
 *    are one-element nodes). Adam's −lr·(m/bc1)/(√v̂ + ε) is then one Div, one Mul and a Sub;
 *  - SiLU's derivative coefficient σ·(1 + x·(1 − σ)) (fuse.ts) → σ + y·(1 − σ) where the graph also computes the
 *    forward y = x·σ (training, exact divergence): one full-size pass fewer per layer;
 *  - Reshape(Reshape(x, s1), s2) → Reshape(x, s2) for a constant s2 without zeros (its meaning does not depend on
 *    x's shape).
 * Reassociating scalars changes float rounding at the last bit (and could underflow a product of two tiny scalars
 * that the original kept apart; the library's scalars are learning rates, bias corrections and step sizes). Values
 * that are graph outputs or that a subgraph (a Loop body) reads are never removed or renamed. Nodes left unread are
 * pruned, as GraphBuilder.finish does.
 */
import type { GraphProto, NodeProto, TensorProto } from "./proto.js";

/** Switch for A/B measurements and the tests that compare rewritten against unrewritten graphs. */
export const peepholeOptions = { enabled: true };

const SCALAR_OPS = new Set(["Mul", "Add", "Sub", "Div", "Neg", "Reciprocal", "Sqrt"]);

/** Names a node's subgraphs (Loop/If bodies) read, recursively. */
function subgraphReads(n: NodeProto): string[] {
  const out: string[] = [];
  for (const a of Object.values(n.attrs ?? {})) {
    if ("g" in a) for (const m of a.g.nodes) out.push(...m.inputs, ...subgraphReads(m));
  }
  return out;
}

/** The single value of a one-element float initializer, or undefined. */
function constValue(t: TensorProto | undefined): number | undefined {
  if (!t || t.dims.reduce((a, b) => a * b, 1) !== 1) return undefined;
  const dv = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  if (t.dataType === 1 && t.raw.byteLength === 4) return dv.getFloat32(0, true);
  if (t.dataType === 11 && t.raw.byteLength === 8) return dv.getFloat64(0, true);
  return undefined;
}

/** Applies the rewrites (in place on a copy of the node list); returns the rewritten graph. */
export function peephole(graph: GraphProto): GraphProto {
  if (!peepholeOptions.enabled) return graph;
  let g: GraphProto = { ...graph, nodes: graph.nodes.map((n) => ({ ...n, inputs: n.inputs.slice() })) };
  // A rule may expose another (a Div made from x·(1/y) then lets a scalar out): a few passes, dead nodes pruned
  // between them so that they do not count as readers.
  for (let pass = 0; pass < 8; pass++) {
    const r = rewritePass(g, g.nodes);
    g = prune({ ...g, nodes: r.nodes });
    if (!r.changed) break;
  }
  return g;
}

function rewritePass(graph: GraphProto, nodes: NodeProto[]): { nodes: NodeProto[]; changed: boolean } {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const producer = new Map<string, NodeProto>();
  const index = new Map<NodeProto, number>();
  nodes.forEach((n, i) => {
    index.set(n, i);
    for (const o of n.outputs) producer.set(o, n);
  });
  // Reads per value; graph outputs and subgraph reads count as reads that can never be rewritten.
  const uses = new Map<string, number>();
  const pinned = new Set<string>(graph.outputs.map((o) => o.name));
  const use = (x: string, d: number) => uses.set(x, (uses.get(x) ?? 0) + d);
  for (const n of nodes) {
    for (const x of n.inputs) use(x, 1);
    for (const x of subgraphReads(n)) pinned.add(x);
  }
  /** One reader, and free to disappear. */
  const single = (x: string) => uses.get(x) === 1 && !pinned.has(x);
  const readers = (x: string) => nodes.filter((n) => n.inputs.includes(x));
  const small = new Map<string, boolean>();
  const inputDims = new Map(graph.inputs.map((i) => [i.name, i.shape]));
  const isSmall = (x: string): boolean => {
    let s = small.get(x);
    if (s !== undefined) return s;
    const t = inits.get(x);
    const p = producer.get(x);
    if (t) s = t.dims.reduce((a, b) => a * b, 1) === 1;
    else if (inputDims.has(x)) s = inputDims.get(x)!.every((d) => d === 1);
    else s = !!p && SCALAR_OPS.has(p.opType) && p.inputs.every(isSmall);
    small.set(x, s);
    return s;
  };
  const prod = (x: string, op: string) => {
    const p = producer.get(x);
    return p?.opType === op ? p : undefined;
  };
  const isOne = (x: string) => constValue(inits.get(x)) === 1;

  const out: NodeProto[] = [];
  let changed = false;
  let counter = 0;
  const fresh = () => {
    let name: string;
    do name = `pp${counter++}_${nodes.length}`;
    while (producer.has(name));
    return name;
  };
  /** A new node emitted before the one being rewritten (its inputs are all defined earlier). */
  const emit = (opType: string, inputs: string[]): string => {
    const o = fresh();
    const n: NodeProto = { opType, inputs, outputs: [o], name: `peephole_${o}` };
    for (const x of inputs) use(x, 1);
    producer.set(o, n);
    out.push(n);
    return o;
  };
  const rewrite = (n: NodeProto, opType: string, inputs: string[]) => {
    for (const x of n.inputs) use(x, -1);
    for (const x of inputs) use(x, 1);
    n.opType = opType;
    n.inputs = inputs;
    n.attrs = undefined;
    changed = true;
  };

  for (const n of nodes) {
    const [a, b] = n.inputs as [string, string];
    const op = n.opType;
    if (op === "Add" && n.inputs.length === 2) {
      // Add(x, Neg(y)) → Sub(x, y)
      const na = prod(b, "Neg") ?? undefined;
      const nb = na ? undefined : prod(a, "Neg");
      if (na) rewrite(n, "Sub", [a, na.inputs[0]!]);
      else if (nb) rewrite(n, "Sub", [b, nb.inputs[0]!]);
    } else if (op === "Mul" && n.inputs.length === 2) {
      const ra = prod(a, "Reciprocal"), rb = prod(b, "Reciprocal");
      const divBy = (r: NodeProto | undefined) => r && !isSmall(r.inputs[0]!) && !pinned.has(r.outputs[0]!) && readers(r.outputs[0]!).every((m) => m.opType === "Mul");
      if (divBy(rb)) rewrite(n, "Div", [a, rb!.inputs[0]!]);
      else if (divBy(ra)) rewrite(n, "Div", [b, ra!.inputs[0]!]);
      else if (isSmall(a) !== isSmall(b)) {
        // One large operand X' and a scalar s: pull the scalar out of X'.
        const [x, s] = isSmall(b) ? [a, b] : [b, a];
        const pm = single(x) ? producer.get(x) : undefined;
        if (pm?.opType === "Mul" && isSmall(pm.inputs[0]!) !== isSmall(pm.inputs[1]!)) {
          const [X, c] = isSmall(pm.inputs[1]!) ? pm.inputs : [pm.inputs[1]!, pm.inputs[0]!];
          rewrite(n, "Mul", [X!, emit("Mul", [c!, s])]);
        } else if (pm?.opType === "Neg" && !isSmall(pm.inputs[0]!)) {
          rewrite(n, "Mul", [pm.inputs[0]!, emit("Neg", [s])]);
        }
      }
      if (n.opType === "Mul") siluDerivative(n);
    } else if (op === "Neg") {
      // Neg(Mul(X, a)) → Mul(X, −a), unless Adds read it (Add(x, Neg(y)) becomes a Sub there instead).
      const pm = single(a) ? prod(a, "Mul") : undefined;
      if (pm && isSmall(pm.inputs[0]!) !== isSmall(pm.inputs[1]!) && !readers(n.outputs[0]!).every((m) => m.opType === "Add")) {
        const [X, c] = isSmall(pm.inputs[1]!) ? pm.inputs : [pm.inputs[1]!, pm.inputs[0]!];
        rewrite(n, "Mul", [X!, emit("Neg", [c!])]);
      }
    } else if (op === "Div" && !isSmall(b)) {
      // Div(Mul(X, a), Y) → Mul(Div(X, Y), a)
      const pm = single(a) ? prod(a, "Mul") : undefined;
      if (pm && isSmall(pm.inputs[0]!) !== isSmall(pm.inputs[1]!)) {
        const [X, c] = isSmall(pm.inputs[1]!) ? pm.inputs : [pm.inputs[1]!, pm.inputs[0]!];
        rewrite(n, "Mul", [emit("Div", [X!, b]), c!]);
      }
    } else if (op === "Reshape" && n.inputs.length === 2) {
      const inner = single(a) ? prod(a, "Reshape") : undefined;
      const shape = inits.get(b);
      const noZero = shape?.dataType === 7 && new BigInt64Array(shape.raw.slice().buffer).every((d) => d !== 0n);
      if (inner && noZero && !(n.attrs && "allowzero" in n.attrs) && !(inner.attrs && "allowzero" in inner.attrs)) rewrite(n, "Reshape", [inner.inputs[0]!, b]);
    }
    out.push(n);
  }
  return { nodes: out, changed };

  /**
   * n = Mul(σ, Add(Mul(x, Sub(1, σ)), 1)) with σ = Sigmoid(x), where a Mul(x, σ) = y comes before n:
   * n → Add(σ, Mul(y, Sub(1, σ))).
   */
  function siluDerivative(n: NodeProto): void {
    for (const [s, A] of [[n.inputs[0]!, n.inputs[1]!], [n.inputs[1]!, n.inputs[0]!]] as const) {
      const sig = prod(s, "Sigmoid");
      const add = single(A) ? prod(A, "Add") : undefined;
      if (!sig || !add) continue;
      const x = sig.inputs[0]!;
      const [M, one] = isOne(add.inputs[1]!) ? add.inputs : isOne(add.inputs[0]!) ? [add.inputs[1]!, add.inputs[0]!] : [];
      const mul = M && single(M) ? prod(M, "Mul") : undefined;
      if (!one || !mul) continue;
      const sn = mul.inputs[0] === x ? mul.inputs[1]! : mul.inputs[1] === x ? mul.inputs[0]! : undefined;
      const sub = sn ? prod(sn, "Sub") : undefined;
      if (!sub || !isOne(sub.inputs[0]!) || sub.inputs[1] !== s) continue;
      const fwd = nodes.find((m) => m.opType === "Mul" && m !== mul && m.inputs.length === 2 && m.inputs.includes(x) && m.inputs.includes(s) && m.inputs[0] !== m.inputs[1]);
      if (!fwd || index.get(fwd)! > index.get(n)! || !out.includes(fwd)) continue;
      rewrite(n, "Add", [s, emit("Mul", [fwd.outputs[0]!, sn!])]);
      return;
    }
  }
}

/** Drops nodes no output (or subgraph) reads, and initializers nothing reads. */
function prune(graph: GraphProto): GraphProto {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept: NodeProto[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of [...n.inputs, ...subgraphReads(n)]) needed.add(x);
  }
  kept.reverse();
  return { ...graph, nodes: kept, initializers: graph.initializers.filter((t) => needed.has(t.name)) };
}
