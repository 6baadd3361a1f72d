/** Test helper: runs one ONNX node through the importer's interpreter on small float64 tensors. */
import assert from "node:assert/strict";
import { np, fromHost, type Array as JArray } from "../../src/engine/index.js";
import { prepareGraph, runGraph, checkOps } from "../../src/onnx/import/interpret.js";
import type { Attr, Node, Tensor } from "../../src/onnx/import/decode.js";

/**
 * An input: `host` ones become graph constants (the interpreter keeps them on the host, as it does shape data),
 * the others jax-js feeds (float64, or int32 with `int`). null: an absent optional input.
 */
export type In = { v: number[]; s: number[]; host?: boolean; int?: boolean; bool?: boolean } | null;

export function runOp(op: string, ins: In[], attrs: Record<string, Attr> = {}, opts: { opset?: number; outputs?: number } = {}): { v: number[]; s: number[] }[] {
  const names = ins.map((x, i) => (x ? `in${i}` : ""));
  const outputs = Array.from({ length: opts.outputs ?? 1 }, (_, i) => `out${i}`);
  const node: Node = { opType: op, domain: "", name: `n_${op}`, inputs: names, outputs, attrs };
  const constants: Tensor[] = [];
  const feeds: Record<string, JArray> = {};
  ins.forEach((x, i) => {
    if (!x) return;
    if (x.host) constants.push({ name: names[i]!, dataType: x.bool ? 9 : x.int ? 7 : 11, dims: x.s, data: Float64Array.from(x.v) });
    else feeds[names[i]!] = x.int ? fromHost(x.v, x.s, np.int32) : x.bool ? fromHost(x.v, x.s, np.int32).notEqual(0) : fromHost(x.v, x.s, np.float64);
  });
  const g = prepareGraph({ opset: opts.opset ?? 17, nodes: [node], constants, params: [], inputs: Object.keys(feeds), outputs });
  checkOps(g);
  const res = runGraph(g, feeds, {}, np.float64);
  return res.map((a) => {
    const s = [...a.shape];
    const v = Array.from(a.astype(np.float64).dataSync() as Float64Array);
    return { v, s };
  });
}

/** Elementwise |a − b| ≤ tol and equal shapes. */
export function close(got: { v: number[]; s: number[] }, want: number[], shape: number[], tol = 1e-12, what = ""): void {
  assert.deepEqual(got.s, shape, `${what}: shape`);
  assert.equal(got.v.length, want.length, `${what}: length`);
  got.v.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol * Math.max(1, Math.abs(want[i]!)), `${what}[${i}]: got ${g}, want ${want[i]}`));
}

export const f = (v: number[], s: number[] = [v.length]): In => ({ v, s });
export const h = (v: number[], s: number[] = [v.length]): In => ({ v, s, host: true, int: true });
export const hf = (v: number[], s: number[] = [v.length]): In => ({ v, s, host: true });
export const ints = (v: number[]): Attr => ({ ints: v });
export const int = (v: number): Attr => ({ i: v });
export const flt = (v: number): Attr => ({ f: v });
export const str = (v: string): Attr => ({ s: v });
