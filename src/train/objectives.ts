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

import { getScheduler } from "../paths/scheduler.js";
import "../paths/index.js";
import { samplePath, mseLoss } from "../paths/affine.js";
import { augmentedDynamics, augmentedWidth } from "../likelihood/dynamics.js";
import { drawProbes } from "../likelihood/divergence.js";
import { odeint, getTableau, solveOnGrid } from "../solvers/index.js";
import { networkApply, type ModelConfig, type ModelParams } from "../model/velocity-model.js";
import { encodeClasses, encodeContext } from "../model/conditioning.js";
import { getCoupling, bridgeSample } from "../pairing/index.js";
import { OptionError } from "../errors.js";
import type { DataSource } from "./data-source.js";
import type { TrainOptions } from "./options.js";

export interface Objective {
  /** The step's inputs (owned arrays), drawn from `rng` only. `params` is borrowed (the adaptive grid needs it). */
  draw(rng: Rng, data: DataSource, params: ModelParams): Array[];
  /** Traceable scalar loss; consumes `inputs`, not `params`. */
  loss(params: ModelParams, inputs: Array[]): Array;
  dispose(): void;
}

export function makeObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  return o.objective === "mle" ? mleObjective(cfg, o, dtype) : fmObjective(cfg, o, dtype);
}

/**
 * Flow matching. Per batch (all from the host rng, in this order): data rows x1 (with their conditions), noise x0
 * (or fixed reflow pairs), the coupling's pairing, times t, condition dropout, bridge noise (sb). The network is
 * regressed on the target of its prediction kind: the path velocity u_t, x1, or ε = x0.
 */
function fmObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  const sched = getScheduler(cfg.path);
  const { batch: B, timeSampling, logitNormal } = o;
  const prediction = cfg.prediction ?? "velocity";
  const sb = o.coupling === "sb";
  if (sb && prediction !== "velocity") throw new OptionError("the sb coupling trains a velocity; use --prediction velocity");
  if (sb && cfg.path !== "condot") throw new OptionError("the sb coupling uses its own Brownian-bridge path; use --path condot");
  if (cfg.cond && o.coupling !== "independent") {
    throw new OptionError(`conditioning works with the independent coupling only (got ${o.coupling}): pairs would mix conditions`);
  }
  const coupling = o.coupling === "independent" ? undefined : getCoupling(o.coupling, o.couplingOptions);
  const sigma = (o.couplingOptions.sigma ?? 1);
  return {
    draw(rng, data) {
      const D = data.dim;
      let x0: Float64Array, x1: Float64Array;
      let labels: Int32Array | undefined, context: Float64Array | undefined;
      if (data.samplePairs) ({ x0, x1 } = data.samplePairs(B, rng));
      else {
        if (cfg.cond) {
          if (!data.sampleCond) throw new OptionError("this model is conditional but the data has no condition");
          ({ x: x1, labels, context } = data.sampleCond(B, rng));
        } else x1 = data.sample(B, rng);
        x0 = rng.normals(B * D);
        if (coupling) ({ x0, x1 } = coupling.pair(x0, x1, D, rng));
      }
      const t = new Float64Array(B);
      for (let i = 0; i < B; i++) {
        t[i] = timeSampling === "uniform" ? rng.uniform() : 1 / (1 + Math.exp(-(logitNormal.mean + logitNormal.std * rng.normal())));
      }
      const inputs = [fromHost(x0, [B, D], dtype), fromHost(x1, [B, D], dtype), fromHost(t, [B], dtype)];
      if (sb) {
        const { xt, ut } = bridgeSample(x0, x1, t, rng.normals(B * D), sigma, D);
        inputs[0]!.dispose();
        inputs[1]!.dispose();
        inputs[0] = fromHost(xt, [B, D], dtype);
        inputs[1] = fromHost(ut, [B, D], dtype);
      }
      if (cfg.cond) {
        const drop = globalThis.Array.from({ length: B }, () => rng.uniform() < o.condDropout);
        if (labels) labels = labels.map((k, i) => (drop[i] ? -1 : k));
        inputs.push(cfg.cond.kind === "class"
          ? fromHost(encodeClasses(labels!, cfg.cond.classes.length), [B, cfg.cond.classes.length + 1], dtype)
          : fromHost(encodeContext(context!, B, cfg.cond.dim, drop), [B, cfg.cond.dim + 1], dtype));
      }
      return inputs;
    },
    loss(p, [a, b, t, cond]) {
      if (sb) return mseLoss(networkApply(cfg, p, a!, t!, cond), b!); // a = x_t, b = u_t
      const [x0, x1] = [a!, b!];
      const { xt, ut } = samplePath(sched, x0.ref, x1.ref, t!.ref);
      const target = prediction === "velocity" ? ut : prediction === "x1" ? x1.ref : x0.ref;
      if (prediction !== "velocity") ut.dispose();
      x0.dispose();
      x1.dispose();
      return mseLoss(networkApply(cfg, p, xt, t!, cond), target);
    },
    dispose() {},
  };
}

const LOG_2PI = Math.log(2 * Math.PI);

function mleObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  const m = o.mle;
  if (cfg.cond || (cfg.prediction ?? "velocity") !== "velocity") {
    throw new OptionError("maximum-likelihood training supports unconditional velocity models only");
  }
  const D = cfg.net.dim;
  const B = o.batch;
  const regularize = m.kineticEnergy > 0 || m.jacobianFrobenius > 0;
  const W = augmentedWidth(D, regularize);
  const tab = getTableau(m.method);
  const hutch = m.divergence === "hutchinson";
  const dyn = (p: ModelParams, probes: Array | undefined) =>
    augmentedDynamics((x, t) => networkApply(cfg, p, x, t), D, { sign: 1, divergence: m.divergence, probes, regularize });
  const initial = (x1: Array) => np.concatenate([x1, np.zeros([B, W - D], { dtype })], 1);
  // Untraced right-hand side for the adaptive grid search.
  const rhs = jit((p: ModelParams, s: Array, t: Array, eps: Array[]) => {
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
