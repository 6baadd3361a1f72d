/**
 * The importer's elementwise, matrix, normalization and reduction ops against hand-computed or closed-form values
 * (float64, small tensors), on jax-js arrays and — where shape data flows — on host constants.
 */
import { test } from "node:test";
import { initEngine } from "../../src/engine/index.js";
import { runOp, close, f, h, hf, ints, int, flt } from "./run-op.js";

await initEngine();

const X = [-1, 0, 0.5, 2];
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const ERF: Record<number, number> = { [-1]: -0.8427007929497149, 0: 0, 0.5: 0.5204998778130465, 2: 0.9953222650189527 };

test("unary activations and math functions match their closed forms", () => {
  const cases: [string, (x: number) => number, number[]?][] = [
    ["Relu", (x) => Math.max(x, 0)],
    ["Sigmoid", sig],
    ["Tanh", Math.tanh],
    ["Softplus", (x) => Math.log(1 + Math.exp(x))],
    ["Exp", Math.exp],
    ["Sin", Math.sin],
    ["Cos", Math.cos],
    ["Erf", (x) => ERF[x]!],
    ["Log", Math.log, [0.25, 1, 4, 9]],
    ["Sqrt", Math.sqrt, [0.25, 1, 4, 9]],
    ["Neg", (x) => -x],
  ];
  for (const [op, fn, xs = X] of cases) {
    // jax-js's float64 transcendentals are accurate to about 1e-8 relative.
    const tol = op === "Erf" ? 1e-6 : ["Relu", "Neg", "Sqrt"].includes(op) ? 1e-12 : 1e-7;
    close(runOp(op, [f(xs)])[0]!, xs.map(fn), [4], tol, op);
    // The same op on a host constant folds on the host.
    close(runOp(op, [hf(xs)])[0]!, xs.map(fn), [4], 1e-12, `${op} (host)`);
  }
  close(runOp("Elu", [f(X)], { alpha: flt(2) })[0]!, [2 * (Math.exp(-1) - 1), 0, 0.5, 2], [4], 1e-7, "Elu");
});

test("binary arithmetic broadcasts like numpy; Pow with constant and traced exponents", () => {
  const a = f([1, 2, 3, 4], [2, 2]);
  const b = f([10, 20], [2]);
  close(runOp("Add", [a, b])[0]!, [11, 22, 13, 24], [2, 2], 1e-12, "Add");
  close(runOp("Sub", [a, b])[0]!, [-9, -18, -7, -16], [2, 2], 1e-12, "Sub");
  close(runOp("Mul", [a, b])[0]!, [10, 40, 30, 80], [2, 2], 1e-12, "Mul");
  close(runOp("Div", [a, b])[0]!, [0.1, 0.1, 0.3, 0.2], [2, 2], 1e-12, "Div");
  close(runOp("Div", [h([7, -7]), h([2])])[0]!, [3, -3], [2], 0, "Div (integer, truncating)");
  close(runOp("Pow", [f([1, 2, 3]), hf([2], [])])[0]!, [1, 4, 9], [3], 1e-12, "Pow ^2");
  close(runOp("Pow", [f([1, 2, 3]), f([1.5], [1])])[0]!, [1, 2 ** 1.5, 3 ** 1.5], [3], 1e-6, "Pow ^1.5");
});

test("Where, Cast, Identity and Constant", () => {
  close(runOp("Where", [{ v: [1, 0, 1], s: [3], host: true, bool: true }, f([1, 2, 3]), f([10, 20, 30])])[0]!, [1, 20, 3], [3], 0, "Where");
  close(runOp("Where", [{ v: [0, 1, 1], s: [3], bool: true }, f([1, 2, 3]), hf([-1], [])])[0]!, [-1, 2, 3], [3], 0, "Where (traced condition)");
  close(runOp("Cast", [f([1.7, -1.2])], { to: int(7) })[0]!, [1, -1], [2], 0, "Cast float → int64");
  close(runOp("Cast", [h([3, 0])], { to: int(1) })[0]!, [3, 0], [2], 0, "Cast int → float (host)");
  close(runOp("Identity", [f([5, 6])])[0]!, [5, 6], [2], 0, "Identity");
  close(runOp("Constant", [], { value_floats: { floats: [1.5, 2] } })[0]!, [1.5, 2], [2], 0, "Constant value_floats");
  close(runOp("Constant", [], { value: { t: { name: "", dataType: 7, dims: [2, 1], data: Float64Array.of(4, 5) } } })[0]!, [4, 5], [2, 1], 0, "Constant value");
});

test("Gemm (transposes, alpha, beta, bias) and batched MatMul", () => {
  const A = f([1, 2, 3, 4, 5, 6], [2, 3]);
  const B = f([1, 0, 1, 0, 1, 0], [2, 3]);
  close(runOp("Gemm", [A, B, f([1, 2])], { transB: int(1), alpha: flt(2), beta: flt(0.5) })[0]!, [8.5, 5, 20.5, 11], [2, 2], 1e-12, "Gemm");
  close(runOp("Gemm", [f([1, 4, 2, 5, 3, 6], [3, 2]), f([1, 0, 0, 1, 1, 0], [3, 2])], { transA: int(1) })[0]!, [4, 2, 10, 5], [2, 2], 1e-12, "Gemm transA");
  close(runOp("MatMul", [f([1, 2, 3, 4], [2, 1, 2]), f([1, 1], [2, 1])])[0]!, [3, 7], [2, 1, 1], 1e-12, "MatMul");
});

test("InstanceNormalization, LayerNormalization and GroupNormalization (biased variance, scale, bias)", () => {
  // Channel 0 [1, 3] → [−1, 1]·2; channel 1 [0, 4] → [−1, 1] + 10.
  close(runOp("InstanceNormalization", [f([1, 3, 0, 4], [1, 2, 2]), f([2, 1]), f([0, 10])], { epsilon: flt(0) })[0]!, [-2, 2, 9, 11], [1, 2, 2], 1e-12, "InstanceNormalization");
  close(runOp("LayerNormalization", [f([1, 3, 0, 4], [2, 2]), f([1, 2]), f([0, 1])], { epsilon: flt(0) })[0]!, [-1, 3, -1, 3], [2, 2], 1e-12, "LayerNormalization");
  const eps = 1e-5;
  close(runOp("LayerNormalization", [f([1, 3], [1, 2]), f([1, 1])])[0]!, [-1 / Math.sqrt(1 + eps), 1 / Math.sqrt(1 + eps)], [1, 2], 1e-12, "LayerNormalization (default epsilon)");
  close(runOp("GroupNormalization", [f([1, 3, 0, 4], [1, 4, 1]), f([1, 1, 2, 2]), f([0, 0, 0, 1])], { num_groups: int(2), epsilon: flt(0) }, { opset: 18 })[0]!, [-1, 1, -2, 3], [1, 4, 1], 1e-12, "GroupNormalization");
});

test("Softmax and ReduceMean (axes as attribute before opset 18, as input from 18)", () => {
  close(runOp("Softmax", [f([0, Math.log(2), Math.log(3)], [1, 3])])[0]!, [1 / 6, 2 / 6, 3 / 6], [1, 3], 1e-7, "Softmax");
  const x = f([1, 2, 3, 4, 5, 6], [2, 3]);
  close(runOp("ReduceMean", [x], { axes: ints([1]), keepdims: int(0) }, { opset: 17 })[0]!, [2, 5], [2], 1e-12, "ReduceMean opset 17");
  close(runOp("ReduceMean", [x, h([0])], {}, { opset: 18 })[0]!, [2.5, 3.5, 4.5], [1, 3], 1e-12, "ReduceMean opset 18");
  close(runOp("ReduceSum", [x, h([-1])], { keepdims: int(0) }, { opset: 13 })[0]!, [6, 15], [2], 1e-12, "ReduceSum opset 13");
});

test("the remaining elementwise ops: LeakyRelu, Abs, Reciprocal, Floor, Ceil, comparisons, logic, variadic Max/Min/Sum/Mean, Mod, Clip, Dropout", () => {
  const x = f([-1.5, -0.5, 0.5, 2]);
  close(runOp("LeakyRelu", [x], { alpha: flt(0.1) })[0]!, [-0.15, -0.05, 0.5, 2], [4], 1e-12, "LeakyRelu");
  close(runOp("Abs", [x])[0]!, [1.5, 0.5, 0.5, 2], [4], 0, "Abs");
  close(runOp("Reciprocal", [x])[0]!, [-2 / 3, -2, 2, 0.5], [4], 1e-12, "Reciprocal");
  close(runOp("Floor", [x])[0]!, [-2, -1, 0, 2], [4], 0, "Floor");
  close(runOp("Ceil", [x])[0]!, [-1, -0, 1, 2], [4], 0, "Ceil");
  const y = f([-1.5, 0, 1, 2]);
  close(runOp("Equal", [x, y])[0]!, [1, 0, 0, 1], [4], 0, "Equal");
  close(runOp("Less", [x, y])[0]!, [0, 1, 1, 0], [4], 0, "Less");
  close(runOp("Greater", [x, y])[0]!, [0, 0, 0, 0], [4], 0, "Greater");
  close(runOp("LessOrEqual", [x, y])[0]!, [1, 1, 1, 1], [4], 0, "LessOrEqual");
  close(runOp("GreaterOrEqual", [x, y])[0]!, [1, 0, 0, 1], [4], 0, "GreaterOrEqual");
  const p = { v: [1, 1, 0, 0], s: [4], bool: true };
  const q = { v: [1, 0, 1, 0], s: [4], bool: true };
  close(runOp("And", [p, q])[0]!, [1, 0, 0, 0], [4], 0, "And");
  close(runOp("Or", [p, q])[0]!, [1, 1, 1, 0], [4], 0, "Or");
  close(runOp("Not", [p])[0]!, [0, 0, 1, 1], [4], 0, "Not");
  close(runOp("Max", [x, y, hf([0.25], [])])[0]!, [0.25, 0.25, 1, 2], [4], 0, "Max (3 inputs)");
  close(runOp("Min", [x, y])[0]!, [-1.5, -0.5, 0.5, 2], [4], 0, "Min");
  close(runOp("Sum", [x, y, y])[0]!, [-4.5, -0.5, 2.5, 6], [4], 1e-12, "Sum");
  close(runOp("Mean", [x, y])[0]!, [-1.5, -0.25, 0.75, 2], [4], 1e-12, "Mean");
  close(runOp("Mod", [f([5, -5, 7.5]), f([3, 3, 2])], { fmod: int(0) })[0]!, [2, 1, 1.5], [3], 1e-12, "Mod");
  close(runOp("Mod", [f([5, -5, 7.5]), f([3, 3, 2])], { fmod: int(1) })[0]!, [2, -2, 1.5], [3], 1e-12, "Mod fmod");
  close(runOp("Mod", [h([-7]), h([3])])[0]!, [2], [1], 0, "Mod (host ints)");
  close(runOp("Clip", [x, hf([-1], []), hf([1], [])], {}, { opset: 13 })[0]!, [-1, -0.5, 0.5, 1], [4], 0, "Clip (inputs)");
  close(runOp("Clip", [x], { min: flt(0) }, { opset: 6 })[0]!, [0, 0, 0.5, 2], [4], 0, "Clip (attribute)");
  close(runOp("Dropout", [x])[0]!, [-1.5, -0.5, 0.5, 2], [4], 0, "Dropout (inference)");
});

test("LogSoftmax, ReduceMax/Min/Prod, Range and Tile", () => {
  const x = f([0, Math.log(2), Math.log(3)], [1, 3]);
  close(runOp("LogSoftmax", [x])[0]!, [Math.log(1 / 6), Math.log(2 / 6), Math.log(3 / 6)], [1, 3], 1e-7, "LogSoftmax");
  const m = f([1, -2, 3, 4, 5, -6], [2, 3]);
  close(runOp("ReduceMax", [m], { axes: ints([1]), keepdims: int(0) })[0]!, [3, 5], [2], 0, "ReduceMax");
  close(runOp("ReduceMin", [m], { axes: ints([0]) })[0]!, [1, -2, -6], [1, 3], 0, "ReduceMin");
  close(runOp("ReduceProd", [m], { keepdims: int(0) })[0]!, [720], [], 1e-12, "ReduceProd (all axes)");
  close(runOp("Range", [h([1], []), h([10], []), h([3], [])])[0]!, [1, 4, 7], [3], 0, "Range");
  close(runOp("Tile", [f([1, 2], [1, 2]), h([2, 2])])[0]!, [1, 2, 1, 2, 1, 2, 1, 2], [2, 4], 0, "Tile");
});
