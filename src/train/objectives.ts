/**
 * Training objectives for velocity-field models. Each draws its step's random inputs from the host rng (so a
 * checkpointed rng state resumes the exact stream) and defines a traceable loss of (params, inputs).
 *
 * - "fm": flow matching — regress v(x_t, t) on the path's target velocity (MSE); t = 0 is noise, t = 1 is data.
 * - "mle": CNF maximum likelihood (FFJORD) — minimize −log q(x) computed through a differentiable solve of the
 *   augmented ODE from t = 1 down to t = 0, with exact or Hutchinson divergence and the optional RNODE
 *   regularizers λ_K·∫‖v‖²/D dt and λ_J·∫‖∂v/∂x‖²_F/D dt. With a fixed-step method the grid is uniform; with
 *   "dopri5" an untraced adaptive pass (current weights, same probes) picks the grid and the gradient flows
 *   through the 5th-order steps on it (step sizes are treated as constants).
 */
import { np, jit, Rng, fromHost, treeRef, addScalar, mulScalar, type Array, type DType } from "../engine/index.js";
import { mlpApply, type MlpParams } from "../nn/mlp.js";
import { getScheduler } from "../paths/scheduler.js";
import "../paths/condot.js";
import { samplePath, mseLoss } from "../paths/affine.js";
import { augmentedDynamics, augmentedWidth } from "../likelihood/dynamics.js";
import { drawProbes } from "../likelihood/divergence.js";
import { odeint, getTableau, solveOnGrid } from "../solvers/index.js";
import type { ModelConfig } from "../model/velocity-model.js";
import type { DataSource } from "./data-source.js";
import type { TrainOptions } from "./options.js";

export interface Objective {
  /** The step's inputs (owned arrays), drawn from `rng` only. `params` is borrowed (the adaptive grid needs it). */
  draw(rng: Rng, data: DataSource, params: MlpParams): Array[];
  /** Traceable scalar loss; consumes `inputs`, not `params`. */
  loss(params: MlpParams, inputs: Array[]): Array;
  dispose(): void;
}

export function makeObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  return o.objective === "mle" ? mleObjective(cfg, o, dtype) : fmObjective(cfg, o, dtype);
}

function fmObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  const sched = getScheduler(cfg.path);
  const { batch: B, timeSampling, logitNormal } = o;
  return {
    draw(rng, data) {
      const D = data.dim;
      const x1 = data.sample(B, rng);
      const x0 = rng.normals(B * D);
      const t = new Float64Array(B);
      for (let i = 0; i < B; i++) {
        t[i] = timeSampling === "uniform" ? rng.uniform() : 1 / (1 + Math.exp(-(logitNormal.mean + logitNormal.std * rng.normal())));
      }
      return [fromHost(x0, [B, D], dtype), fromHost(x1, [B, D], dtype), fromHost(t, [B], dtype)];
    },
    loss(p, [x0, x1, t]) {
      const { xt, ut } = samplePath(sched, x0!, x1!, t!.ref);
      return mseLoss(mlpApply(cfg.mlp, p, xt, t!), ut);
    },
    dispose() {},
  };
}

const LOG_2PI = Math.log(2 * Math.PI);

function mleObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  const m = o.mle;
  const D = cfg.mlp.dim;
  const B = o.batch;
  const regularize = m.kineticEnergy > 0 || m.jacobianFrobenius > 0;
  const W = augmentedWidth(D, regularize);
  const tab = getTableau(m.method);
  const hutch = m.divergence === "hutchinson";
  const dyn = (p: MlpParams, probes: Array | undefined) =>
    augmentedDynamics((x, t) => mlpApply(cfg.mlp, p, x, t), D, { sign: 1, divergence: m.divergence, probes, regularize });
  const initial = (x1: Array) => np.concatenate([x1, np.zeros([B, W - D], { dtype })], 1);
  // Untraced right-hand side for the adaptive grid search.
  const rhs = jit((p: MlpParams, s: Array, t: Array, eps: Array[]) => {
    const out = dyn(p, eps[0])(s, t);
    eps.forEach((e) => e.dispose());
    return out;
  });
  const uniform = Float64Array.from({ length: m.steps + 1 }, (_, i) => 1 - i / m.steps);
  uniform[m.steps] = 0;
  return {
    draw(rng, data, params) {
      const x1 = fromHost(data.sample(B, rng), [B, D], dtype);
      const probes = hutch ? drawProbes(rng, m.probes, B, D, m.probeKind, dtype) : undefined;
      let grid = uniform;
      if (m.method === "dopri5") {
        const r = odeint(
          (t, s) => rhs(treeRef(params), s, np.full([], t, { dtype }), probes ? [probes.ref] : []),
          initial(x1.ref), { method: "dopri5", t0: 1, t1: 0, rtol: m.rtol, atol: m.atol },
        );
        r.x.dispose();
        grid = Float64Array.from(r.stepTimes!);
      }
      const inputs = [x1, fromHost(grid, [grid.length], dtype)];
      if (probes) inputs.push(probes);
      return inputs;
    },
    loss(p, [x1, grid, probes]) {
      const sEnd = solveOnGrid(tab, (t, s) => dyn(p, probes)(s, t), initial(x1!), grid!);
      probes?.dispose();
      const z = sEnd.ref.slice([], [0, D]);
      const a = sEnd.ref.slice([], D);
      const logp = addScalar(np.square(z).sum(1).mul(-0.5), -0.5 * D * LOG_2PI).add(a);
      let loss = logp.mean().neg();
      // The regularizer columns integrate 1 → 0, so they end at −∫₀¹(·)dt.
      if (regularize) {
        const ke = sEnd.ref.slice([], D + 1).mean().neg();
        const jf = sEnd.ref.slice([], D + 2).mean().neg();
        loss = loss.add(mulScalar(ke, m.kineticEnergy)).add(mulScalar(jf, m.jacobianFrobenius));
      }
      sEnd.dispose();
      return loss;
    },
    dispose() {
      (rhs as unknown as { dispose(): void }).dispose();
    },
  };
}
