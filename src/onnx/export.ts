/**
 * ONNX graphs of a flow-matching model: the velocity field v(x, t) alone, or a whole fixed-step sampler
 * noise → samples. The sampler is the library's own step functions (solvers/methods.ts) traced over the time grid
 * that `sample` uses, with the model's standardizer undone at the end, so the file reproduces
 * `sample(model, n, { method, steps, noise })` to float32 rounding.
 */
import { np, treeAstype, treeDispose, treeRef, type Array, type Tree } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import { eulerStep, midpointStep, rk4Step, timeGrid, type StepFn } from "../solvers/index.js";
import { compileToOnnx } from "./compile.js";
import { condInputs, tracedField } from "./conditional.js";
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
 */
export function samplerOnnx(model: VelocityModel, method: ExportSampler, steps: number): Uint8Array {
  const step = steppers[method];
  if (!step) throw new OptionError(`ONNX export: the sampler must be one of ${EXPORT_SAMPLERS.join(", ")}`);
  const D = model.dim;
  const grid = timeGrid({ t0: 0, t1: 1, steps });
  const s = model.config.standardizer;
  return withF32Params(model, (params) =>
    compileToOnnx(
      (p, noise, ...cin) => {
        const f = tracedField(model, p as ModelParams, cin, noise!.shape[0]!);
        const field = (t: number, x: Array) => f.field(x, np.full([], t, { dtype: np.float32 }));
        let x = noise!;
        for (let i = 0; i + 1 < grid.length; i++) x = step(field, grid[i]!, grid[i + 1]! - grid[i]!, x);
        f.dispose();
        if (!s) return x;
        const std = np.array(s.std, { dtype: np.float32 }).reshape([1, D]);
        const mean = np.array(s.mean, { dtype: np.float32 }).reshape([1, D]);
        return x.mul(std).add(mean);
      },
      {
        params,
        inputs: [{ name: "noise", shape: ["B", D] }, ...condInputs(model)],
        outputs: ["samples"],
        name: `sampler_${method}_${steps}`,
        docString: `flowmatch ${method} sampler, ${steps} steps: noise [batch, ${D}] ~ N(0, I) → samples [batch, ${D}] in data units`,
      },
    ),
  );
}
