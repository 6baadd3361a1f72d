/**
 * ONNX graphs of a flow-matching model: the velocity field v(x, t) alone, or a whole fixed-step sampler
 * noise → samples. The sampler is the library's own step functions (solvers/methods.ts) traced over the time grid
 * that `sample` uses, with the model's standardizer undone at the end, so the file reproduces
 * `sample(model, n, { method, steps, noise })` to float32 rounding.
 */
import { np, treeAstype, treeDispose, treeRef, type Array, type Tree } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import { eulerStep, midpointStep, rk4Step, timeGrid, type StepFn } from "../solvers/index.js";
import { compileToOnnx, compileToGraph, OPSET, type GraphInput } from "./compile.js";
import { DataType, encodeModel, tensorBytes, type GraphProto } from "./proto.js";
import { condInputs, tracedField } from "./conditional.js";
import { asLoopBody } from "./loop.js";
import { OptionError } from "../errors.js";

export const EXPORT_SAMPLERS = ["euler", "midpoint", "rk4"] as const;
export type ExportSampler = (typeof EXPORT_SAMPLERS)[number];
const steppers: Record<ExportSampler, StepFn> = { euler: eulerStep, midpoint: midpointStep, rk4: rk4Step };

/** Runs `build` on float32 parameters (a cast copy when the model is float64). */
function withF32Params<T>(model: VelocityModel, build: (p: Tree) => T): T {
  const p = treeAstype(treeRef(model.params as Tree), np.float32);
  try {
    return build(p);
  } finally {
    treeDispose(p);
  }
}

/**
 * v(x, t): inputs `x` [batch, D] and `t` [batch] (float32, model units), output `v` [batch, D]; conditional models
 * also take `label` or `context`, and `guidance` (conditional.ts).
 */
export function velocityOnnx(model: VelocityModel): Uint8Array {
  const D = model.dim;
  return withF32Params(model, (params) =>
    compileToOnnx((p, x, t, ...cin) => {
      const f = tracedField(model, p as ModelParams, cin, x!.shape[0]!);
      const v = f.field(x!, t!);
      f.dispose();
      return v;
    }, {
      params,
      inputs: [{ name: "x", shape: ["B", D] }, { name: "t", shape: ["B"] }, ...condInputs(model)],
      outputs: ["v"],
      name: "velocity",
      docString: `flowmatch velocity field v(x, t): x [batch, ${D}], t [batch] (0 = noise, 1 = data), model units`,
    }),
  );
}

/**
 * A K-step sampler: input `noise` [batch, D] (standard normal draws, as `sample` takes them; conditional models
 * also `label`/`context` and `guidance`), output `samples` [batch, D] in the data's units.
 *
 * The K steps are an ONNX Loop over one traced step (loop.ts; the body reads the step index i and computes
 * t = t₀ + i·h in the graph), so the file's size and ONNX Runtime's session setup do not grow with K: unrolled, a
 * 256×3 MLP's RK4 sampler (7k nodes at K = 25) loaded in 2.7 s, at K = 100 (29k nodes) in 45 s.
 */
export function samplerOnnx(model: VelocityModel, method: ExportSampler, steps: number): Uint8Array {
  const step = steppers[method];
  if (!step) throw new OptionError(`ONNX export: the sampler must be one of ${EXPORT_SAMPLERS.join(", ")}`);
  const D = model.dim;
  const grid = timeGrid({ t0: 0, t1: 1, steps });
  const h = grid[1]! - grid[0]!; // uniform (timeGrid), so every step is the same body
  const cond = condInputs(model);
  const body = withF32Params(model, (params) =>
    compileToGraph(
      (p, i, x, ...cin) => {
        const f = tracedField(model, p as ModelParams, cin, x!.shape[0]!);
        const t = i!.mul(h).add(grid[0]!); // the step's start time, [] float32
        // The step function evaluates the field at t + s for its stage offsets s.
        const field = (s: number, y: Array) => f.field(y, t.ref.add(s));
        const next = step(field, 0, h, x!);
        t.dispose();
        f.dispose();
        return next;
      },
      {
        params,
        inputs: [{ name: "step_i", shape: [], type: "int64" }, { name: "step_x", shape: ["B", D] }, ...cond.map((c) => ({ ...c, outer: true }))],
        outputs: ["step_x_next"],
        name: `${method}_step`,
      },
    ),
  );
  const s = model.config.standardizer;
  const f32 = (name: string, v: number[], dims: number[]) => ({ name, dataType: DataType.FLOAT, dims, raw: tensorBytes(v, DataType.FLOAT) });
  const graph: GraphProto = {
    name: `sampler_${method}_${steps}`,
    nodes: [
      { opType: "Loop", inputs: ["sampler_steps", "", "noise"], outputs: [s ? "sampler_x1" : "samples"], name: "SamplerLoop", attrs: { body: { g: asLoopBody(body, "step") } } },
      ...(s ? [
        { opType: "Mul", inputs: ["sampler_x1", "sampler_std"], outputs: ["sampler_scaled"], name: "SamplerStd" },
        { opType: "Add", inputs: ["sampler_scaled", "sampler_mean"], outputs: ["samples"], name: "SamplerMean" },
      ] : []),
    ],
    initializers: [
      { name: "sampler_steps", dataType: DataType.INT64, dims: [], raw: tensorBytes([steps], DataType.INT64) },
      ...(s ? [f32("sampler_std", s.std, [1, D]), f32("sampler_mean", s.mean, [1, D])] : []),
    ],
    inputs: ([{ name: "noise", shape: ["B", D] }, ...cond] as GraphInput[]).map((i) => ({ name: i.name, dataType: i.type === "int64" ? DataType.INT64 : DataType.FLOAT, shape: i.shape.map((d) => (d === "B" ? "batch" : d)) })),
    outputs: [{ name: "samples", dataType: DataType.FLOAT, shape: ["batch", D] }],
  };
  return encodeModel({
    graph,
    opset: OPSET,
    docString: `flowmatch ${method} sampler, ${steps} steps: noise [batch, ${D}] ~ N(0, I) → samples [batch, ${D}] in data units`,
  });
}
