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
import { np, jit, fromHost, treeRef, addScalar, mulScalar, type Array, type DType } from "../engine/index.js";
import { mseLoss } from "../paths/affine.js";
import { augmentedDynamics, augmentedWidth } from "../likelihood/dynamics.js";
import { drawProbes } from "../likelihood/divergence.js";
import { odeint, getTableau, solveOnGrid } from "../solvers/index.js";
import { networkApply, type ModelConfig, type ModelParams } from "./velocity-model.js";
import { encodeClasses, encodeContext } from "./conditioning.js";
import { createMatcher } from "./matcher.js";
import { OptionError, ShapeError } from "../errors.js";
import type { DataSource } from "../data/data-source.js";
import type { TrainOptions } from "../train/options.js";
import type { TrainObjective } from "../train/loop.js";

/** An objective of velocity-field models: inputs are arrays drawn per step, params the model's tree. */
export type Objective = TrainObjective<ModelParams, Array[]>;

/** The data must have the network's dimension. */
function checkDim(cfg: ModelConfig) {
  return (data: DataSource) => {
    if (data.dim !== cfg.net.dim) throw new ShapeError(`data has dimension ${data.dim}, the model ${cfg.net.dim}`);
  };
}

export function makeObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  return o.objective === "mle" ? mleObjective(cfg, o, dtype) : fmObjective(cfg, o, dtype);
}

/**
 * Flow matching. Per batch (all from the host rng, in this order): data rows x1 (with their conditions), noise x0
 * (or fixed reflow pairs), then the matcher's pairing, times t and bridge noise (sb), then condition dropout. The
 * network is regressed on the matcher's target for its prediction kind: the path velocity u_t, x1, or ε = x0.
 */
function fmObjective(cfg: ModelConfig, o: TrainOptions, dtype: DType): Objective {
  const B = o.batch;
  const fm = createMatcher({
    path: cfg.path, pairing: o.coupling, pairingOptions: o.couplingOptions,
    timeSampling: o.timeSampling, logitNormal: o.logitNormal, prediction: cfg.prediction,
  });
  const sb = fm.pairing.name === "sb";
  return {
    name: "flow matching",
    workerConfig: cfg,
    check: checkDim(cfg),
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
      }
      // Labels and context rows travel with their data rows through the pairing.
      const d = fm.draw(x0, x1, D, { rng, labels, context, pair: !data.samplePairs });
      const inputs = sb
        ? [fromHost(d.xt!, [B, D], dtype), fromHost(d.ut!, [B, D], dtype), fromHost(d.t, [B], dtype)]
        : [fromHost(d.x0, [B, D], dtype), fromHost(d.x1, [B, D], dtype), fromHost(d.t, [B], dtype)];
      if (cfg.cond) {
        const drop = globalThis.Array.from({ length: B }, () => rng.uniform() < o.condDropout);
        labels = d.labels?.map((k, i) => (drop[i] ? -1 : k));
        inputs.push(cfg.cond.kind === "class"
          ? fromHost(encodeClasses(labels!, cfg.cond.classes.length), [B, cfg.cond.classes.length + 1], dtype)
          : fromHost(encodeContext(d.context!, B, cfg.cond.dim, drop), [B, cfg.cond.dim + 1], dtype));
      }
      return inputs;
    },
    loss(p, [a, b, t, cond]) {
      if (sb) return mseLoss(networkApply(cfg, p, a!, t!, cond), b!); // a = x_t, b = u_t
      const { xt, ut } = fm.target(a!, b!, t!.ref); // a = x0, b = x1; ut is the target of the prediction kind
      return mseLoss(networkApply(cfg, p, xt, t!, cond), ut);
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
    name: "CNF maximum likelihood",
    check: checkDim(cfg),
    draw(rng, data, params) {
      const x1 = fromHost(data.sample(B, rng), [B, D], dtype);
      const probes = hutch ? drawProbes(rng, m.probes, B, D, m.probeKind, dtype) : undefined;
      let grid = uniform;
      if (m.method === "dopri5") {
        const s0 = initial(x1.ref);
        const r = odeint(
          (t, s) => rhs(treeRef(params), s, np.full([], t, { dtype }), probes ? [probes.ref] : []),
          s0, { method: "dopri5", t0: 1, t1: 0, rtol: m.rtol, atol: m.atol },
        );
        s0.dispose(); // odeint borrows it
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
