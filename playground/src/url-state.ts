/**
 * The page's settings and their round trip through the URL query (`?data=8gaussians&model=nsf&width=64…`), so a
 * view can be shared. Unknown or malformed values fall back to the defaults rather than failing the page.
 */

export const MODELS = ["fm", "nsf", "realnvp", "glow", "maf"] as const;
export const PATHS = ["condot", "cosine", "vp", "linear-vp", "poly", "condot-sigma-min"] as const;
export const PAIRINGS = ["independent", "ot", "sinkhorn", "sb"] as const;
export const SOLVERS = ["euler", "midpoint", "rk4", "dopri5"] as const;
export const ENGINES = ["auto", "wasm", "webgpu"] as const;

export interface Settings {
  /** A toy name, "csv" (a dropped file) or "brush" (points drawn on the page). */
  data: string;
  model: (typeof MODELS)[number];
  path: (typeof PATHS)[number];
  pairing: (typeof PAIRINGS)[number];
  /** Hidden width (flow matching: 3 layers; flows: the conditioners' 2 layers). */
  width: number;
  lr: number;
  batch: number;
  /** Training length (the learning-rate schedule spans it); training stops there. */
  steps: number;
  seed: number;
  /** Condition on 8gaussians' mode (a labelled toy): label picker and guidance. */
  cond: boolean;
  solver: (typeof SOLVERS)[number];
  /** Solver steps (fixed-step methods). */
  nsteps: number;
  /** Samples drawn for the views and the CSV export. */
  n: number;
  /** Heatmap resolution (cells per side). */
  res: number;
  /** The array backend: auto (WebGPU when the browser has an adapter, else wasm), or one of them. */
  engine: (typeof ENGINES)[number];
}

export const DEFAULTS: Settings = {
  data: "8gaussians", model: "fm", path: "condot", pairing: "independent", width: 64, lr: 2e-3, batch: 256,
  steps: 2000, seed: 0, cond: false, solver: "rk4", nsteps: 20, n: 1000, res: 40, engine: "auto",
};

type Key = keyof Settings;
const NUMERIC: Key[] = ["width", "lr", "batch", "steps", "seed", "nsteps", "n", "res"];
const LIMITS: Partial<Record<Key, [number, number]>> = {
  width: [4, 1024], lr: [1e-6, 1], batch: [8, 8192], steps: [1, 1e6], seed: [0, 2 ** 31], nsteps: [1, 1000], n: [10, 20000], res: [8, 200],
};
const CHOICES: Partial<Record<Key, readonly string[]>> = { model: MODELS, path: PATHS, pairing: PAIRINGS, solver: SOLVERS, engine: ENGINES };

/** Settings from a query string; anything missing or invalid keeps its default. */
export function readSettings(search: string): Settings {
  const q = new URLSearchParams(search);
  const s: Settings = { ...DEFAULTS };
  const rec = s as unknown as Record<string, unknown>;
  for (const k of Object.keys(DEFAULTS) as Key[]) {
    const raw = q.get(k);
    if (raw === null) continue;
    if (NUMERIC.includes(k)) {
      const v = Number(raw);
      const [lo, hi] = LIMITS[k]!;
      if (Number.isFinite(v) && v >= lo && v <= hi) rec[k] = k === "lr" ? v : Math.round(v);
    } else if (k === "cond") s.cond = raw === "1" || raw === "mode" || raw === "true";
    else if (CHOICES[k]) {
      if (CHOICES[k]!.includes(raw)) rec[k] = raw;
    } else rec[k] = raw;
  }
  return s;
}

/** The query string for `s`: only what differs from the defaults, so shared links stay short. */
export function writeSettings(s: Settings): string {
  const q = new URLSearchParams();
  for (const k of Object.keys(DEFAULTS) as Key[]) {
    if (s[k] === DEFAULTS[k]) continue;
    q.set(k, k === "cond" ? (s.cond ? "mode" : "0") : String(s[k]));
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}
