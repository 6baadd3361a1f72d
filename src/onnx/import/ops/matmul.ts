/** Gemm (Y = α·A'·B' + β·C, with optional transposes) and MatMul (numpy matmul, batched). */
import { np } from "../../../engine/index.js";
import { toArray, floatAttr, intAttr, refuse, type OpImpl } from "../value.js";

const gemm: OpImpl = ([a, b, c], ctx) => {
  if (!a || !b) refuse(ctx, "an input is missing");
  let A = toArray(a, ctx);
  let B = toArray(b, ctx);
  if (A.ndim !== 2 || B.ndim !== 2) {
    A.dispose();
    B.dispose();
    refuse(ctx, "A and B must be matrices");
  }
  if (intAttr(ctx, "transA", 0)) A = A.transpose([1, 0]);
  if (intAttr(ctx, "transB", 0)) B = B.transpose([1, 0]);
  let y = np.matmul(A, B);
  const alpha = floatAttr(ctx, "alpha", 1);
  if (alpha !== 1) y = y.mul(alpha);
  if (c) {
    const beta = floatAttr(ctx, "beta", 1);
    let C = toArray(c, ctx);
    if (beta !== 1) C = C.mul(beta);
    y = y.add(C);
  }
  return [y];
};

const matmul: OpImpl = ([a, b], ctx) => {
  if (!a || !b) refuse(ctx, "an input is missing");
  return [np.matmul(toArray(a, ctx), toArray(b, ctx))];
};

export const matmulOps: Record<string, OpImpl> = { Gemm: gemm, MatMul: matmul };
