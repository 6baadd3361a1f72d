// A user network in its own module (not a test file): v(x, t) = tanh([x, t] W1 + b1) W2 + b2. It registers itself
// on import and names this module in the registration, so worker threads can import it too.
import { np, tanh, fromHost, Rng, registerNet, broadcastTime, type Array, type NetConfig } from "../../src/index.js";

export type TanhNetConfig = NetConfig & { kind: "test-tanh"; width: number };
export type TanhNetParams = { w1: Array; b1: Array; w2: Array; b2: Array };

registerNet<TanhNetConfig>("test-tanh", (c) => ({
  kind: "test-tanh",
  config: c,
  init(seed, dtype = np.float32) {
    const rng = new Rng(seed);
    const m = (r: number, k: number) => fromHost(rng.normals(r * k).map((v) => v / Math.sqrt(r)), [r, k], dtype);
    return { w1: m(c.dim + 1, c.width), b1: m(1, c.width).reshape([c.width]), w2: m(c.width, c.dim), b2: m(1, c.dim).reshape([c.dim]) };
  },
  apply(p: TanhNetParams, x: Array, t: Array) {
    const tt = broadcastTime(t, x);
    const h = tanh(np.matmul(np.concatenate([x, tt], 1), p.w1.ref).add(p.b1.ref));
    return np.matmul(h, p.w2.ref).add(p.b2.ref);
  },
}), { module: import.meta.url });
