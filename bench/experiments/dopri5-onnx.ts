// Exact log p with dopri5 (rtol = atol = 1e-5) on 5,000 2-D points, the bench's 256×3 net (random init, as
// bench/run.ts's logprob key), on wasm and on ONNX Runtime in one process, interleaved (a loaded machine):
//   node --import tsx bench/experiments/dopri5-onnx.ts [rounds]
// Prints per round the seconds and NFE of each backend and the largest relative log p difference.
import { initEngine, Rng } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { logProb } from "../../src/likelihood/index.js";
import { logProbOnnx } from "../../src/onnx/logprob.js";
import { maxRelDiff } from "../../src/onnx/verify.js";

await initEngine();
const rounds = Number(process.argv[2] ?? 2);
const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [256, 256, 256] }, path: "condot" }, 0);
const pts = new Rng(3).normals(5000 * 2);
const o = { method: "dopri5", batchSize: 5000 };
await logProbOnnx(model, pts.subarray(0, 20), o); // compile the two graphs
logProb(model, pts.subarray(0, 20), o); // jit
for (let r = 0; r < rounds; r++) {
  let t = performance.now();
  const w = logProb(model, pts, o);
  const ws = (performance.now() - t) / 1000;
  t = performance.now();
  const x = await logProbOnnx(model, pts, o);
  const xs = (performance.now() - t) / 1000;
  console.log(JSON.stringify({ round: r, wasm: { seconds: +ws.toFixed(2), nfe: w.nfe }, onnx: { seconds: +xs.toFixed(2), nfe: x.nfe }, ratio: +(ws / xs).toFixed(2), max_rel_logp: maxRelDiff(x.logp, w.logp) }));
}
