/** Dotted-name flattening of parameter trees: exact names, a round trip, and clear errors for what cannot be stored. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSafetensors, decodeSafetensors, flattenNamed, unflattenNamed, type HostTensor } from "../../src/io/index.js";

const t = (v: number[]): HostTensor => ({ dtype: "F32", shape: [v.length], data: new Float32Array(v) });

test("flattenNamed produces the documented dotted names", () => {
  const w0 = t([1]), b0 = t([2]), w1 = t([3]), b1 = t([4]), s = t([5]);
  const flat = flattenNamed({ layers: [{ w: w0, b: b0 }, { w: w1, b: b1 }], scale: s }, "params");
  assert.deepEqual(Object.keys(flat).sort(), ["params.layers.0.b", "params.layers.0.w", "params.layers.1.b", "params.layers.1.w", "params.scale"]);
  assert.equal(flat["params.layers.1.w"], w1); // leaves are not copied
  assert.deepEqual(Object.keys(flattenNamed({ a: [s] }, "")), ["a.0"]);
  assert.deepEqual(flattenNamed(s, "solo"), { solo: s });
});

test("round trip through flatten, safetensors bytes and unflatten; prefixes keep trees apart", () => {
  const params = {
    layers: [
      { w: t([1, 2]), b: t([3]) },
      { w: t([4, 5]), b: t([6]) },
    ],
    embed: { freqs: t([0.5]) },
    "10": t([10]), // an object key that is not part of a 0..n-1 run stays an object key
  };
  const opt = { m: [t([7]), t([8])], count: { dtype: "I64", shape: [], data: new BigInt64Array([3n]) } as HostTensor };
  const all = { ...flattenNamed(params, "params"), ...flattenNamed(opt, "opt") };
  const back = decodeSafetensors(encodeSafetensors(all)).tensors;
  const p = unflattenNamed(back, "params") as typeof params;
  assert.ok(Array.isArray(p.layers) && p.layers.length === 2);
  assert.deepEqual(p, params); // deep equality also compares typed-array contents
  assert.deepEqual(unflattenNamed(back, "opt"), opt);
  const root = unflattenNamed(back, "") as Record<string, unknown>;
  assert.deepEqual(Object.keys(root).sort(), ["opt", "params"]);
  // "para" is a string prefix of "params" but not a name prefix.
  assert.throws(() => unflattenNamed(back, "para"), { name: "CheckpointError", message: /"para"/ });
});

test("numeric keys become arrays only when they are exactly 0..n-1", () => {
  const a = t([1]), b = t([2]);
  assert.deepEqual(unflattenNamed({ "x.1": b, "x.0": a }, "x"), [a, b]);
  assert.deepEqual(unflattenNamed({ "x.0": a, "x.2": b }, "x"), { "0": a, "2": b });
  assert.deepEqual(unflattenNamed({ "x.01": a }, "x"), { "01": a });
  assert.deepEqual(unflattenNamed({ x: a }, "x"), a);
  const nested = flattenNamed([[a], [b, a]], "n");
  assert.deepEqual(unflattenNamed(nested, "n"), [[a], [b, a]]);
});

test("keys like __proto__ stay own properties", () => {
  const a = t([1]);
  const tree = unflattenNamed({ "p.__proto__.w": a }, "p") as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(tree, "__proto__"));
  assert.equal(Object.getPrototypeOf(tree), Object.prototype);
  assert.deepEqual(Object.keys(flattenNamed(tree, "p")), ["p.__proto__.w"]);
});

test("what cannot be stored is rejected with the path", () => {
  assert.throws(() => flattenNamed({ a: { b: 3 } }, "p"), { name: "CheckpointError", message: /"p\.a\.b" is a number/ });
  assert.throws(() => flattenNamed({ a: null }, "p"), { name: "CheckpointError", message: /"p\.a" is a null/ });
  assert.throws(() => flattenNamed({ "a.b": t([1]) }, "p"), { name: "CheckpointError", message: /contains "\."/ });
  assert.throws(() => flattenNamed({ m: new Map() }, "p"), { name: "CheckpointError", message: /Map/ });
  const cyc: Record<string, unknown> = { w: t([1]) };
  cyc.self = cyc;
  assert.throws(() => flattenNamed(cyc, "p"), { name: "CheckpointError", message: /cycle/ });
  assert.throws(() => unflattenNamed({ "p.w": t([1]), "p.w.0": t([2]) }, "p"), { name: "CheckpointError", message: /"p\.w"/ });
  assert.throws(() => unflattenNamed({ "p.w.0": t([2]), "p.w": t([1]) }, "p"), { name: "CheckpointError", message: /"p\.w"/ });
  assert.throws(() => unflattenNamed({}, ""), { name: "CheckpointError" });
});
