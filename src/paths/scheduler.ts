/**
 * A scheduler fixes the affine probability path x_t = α_t·x1 + σ_t·x0 (t = 0 noise/source x0, t = 1 data x1).
 * Each scheduler returns α, σ and their time derivatives; adding one is a new file plus one `registerScheduler`.
 */
import type { Array } from "../engine/index.js";
import { OptionError } from "../errors.js";

export interface SchedulerOutput {
  alpha: Array;
  sigma: Array;
  dAlpha: Array;
  dSigma: Array;
}
export interface Scheduler {
  readonly name: string;
  /** α, σ, dα/dt, dσ/dt at times `t` (consumed; any shape, the outputs share it). */
  (t: Array): SchedulerOutput;
}

const registry = new Map<string, Scheduler>();
export function registerScheduler(s: Scheduler): void {
  registry.set(s.name, s);
}
/**
 * Earlier names that still load: run through tsx (esbuild), the cosine path was registered as "cosine2" (the
 * bundler's rename of its function) until names became explicit, and checkpoints and commands used that name.
 */
const LEGACY_NAMES: Readonly<Record<string, string>> = { cosine2: "cosine" };

/** True for a registered path name or an earlier name of one (what a checkpoint may hold). */
export function isSchedulerName(name: string): boolean {
  return registry.has(Object.hasOwn(LEGACY_NAMES, name) ? LEGACY_NAMES[name]! : name);
}

export function getScheduler(name: string): Scheduler {
  const s = registry.get(Object.hasOwn(LEGACY_NAMES, name) ? LEGACY_NAMES[name]! : name);
  if (!s) throw new OptionError(`unknown path "${name}"; valid paths: ${schedulerNames().join(", ")}`);
  return s;
}
export function schedulerNames(): string[] {
  return [...registry.keys()];
}
