// Judges a class-conditional image model on the 8×8 digits the way issue 16 asks, with checks built here (the
// issue's own classifier is kept outside the repo):
//  - accuracy: a multinomial logistic regression trained on the run's training split (its accuracy on the held-out
//    digits is printed for scale) labels the model's samples; the fraction given their own class;
//  - Fréchet distance in pixel space (means and covariances of the 64 gray levels) of the samples to the training
//    images, beside the same distance for the held-out real digits (equal counts, so the small-sample bias matches);
//  - copying: each sample's nearest training image (L2), against the held-out digits' nearest training images.
// node --import tsx bench/images/judge.ts --model runs/digits [--n 20] [--guidance 1] [--method rk4] [--steps 10]
import { parseArgs } from "node:util";
import { initEngine } from "../../src/engine/index.js";
import { loadModel } from "../../src/node/index.js";
import { sample } from "../../src/fm/sample.js";
import { loadImageSet, openImageSource } from "../../src/node/images.js";
import { fitSoftmax, predict, frechet, nearest, median } from "./judge-lib.js";

const { values: a } = parseArgs({ options: { model: { type: "string" }, n: { type: "string", default: "20" }, guidance: { type: "string", default: "1" }, method: { type: "string", default: "rk4" }, steps: { type: "string", default: "10" }, seed: { type: "string", default: "0" } } });
if (!a.model) throw new Error("--model DIR");
await initEngine();
const model = loadModel(a.model);
const c = model.config;
if (c.cond?.kind !== "class") throw new Error("a class-conditional model is needed");
const spec = String(c.data ?? "digits");
const data = openImageSource(spec, { cond: true, testFraction: c.testFraction ?? 0.1 });
const D = data.dim, K = c.cond.classes.length, L = 2 * data.standardizer!.mean[0]!;
const train = data.train!, test = data.test!, testLabels = data.testCond!.labels!;
// Training labels: each training row's label from the full set (first image with the same pixels).
const set = loadImageSet(spec);
const labelOf = new Map<string, number>();
for (let i = set.pixels.length / D - 1; i >= 0; i--) labelOf.set(set.pixels.subarray(i * D, (i + 1) * D).join(","), set.labels![i]!);
const trainLabels = Int32Array.from({ length: train.length / D }, (_, i) => labelOf.get(train.subarray(i * D, (i + 1) * D).join(","))!);

const t0 = performance.now();
const W = fitSoftmax(train, trainLabels, D, K, L);
const acc = (pred: Int32Array, truth: ArrayLike<number>) => pred.reduce((s, p, i) => s + (p === truth[i] ? 1 : 0), 0) / pred.length;
const testAcc = acc(predict(W, test, D, K, L), testLabels);

const n = Number(a.n), guidance = Number(a.guidance);
const samples = new Float64Array(K * n * D), sampleLabels = new Int32Array(K * n);
const perClass: Record<string, number> = {};
for (let k = 0; k < K; k++) {
  const s = sample(model, n, { label: c.cond.classes[k]!, guidance, method: a.method, steps: Number(a.steps), seed: Number(a.seed) + k }).samples;
  samples.set(s, k * n * D);
  sampleLabels.fill(Number(c.cond.classes[k]), k * n, (k + 1) * n);
}
const clipped = samples.map((v) => Math.min(L - 1, Math.max(0, v)));
const pred = predict(W, clipped, D, K, L);
const sampleAcc = acc(pred, sampleLabels);
c.cond.classes.forEach((name, k) => (perClass[name] = acc(pred.subarray(k * n, (k + 1) * n), sampleLabels.subarray(k * n, (k + 1) * n))));
// Fréchet distances to the training images with equal counts on both sides (the held-out set's size).
const m = Math.min(test.length / D, samples.length / D);
const pick = (x: Float64Array, count: number) => { const step = x.length / D / count; return Float64Array.from({ length: count * D }, (_, j) => x[Math.floor(Math.floor(j / D) * step) * D + (j % D)]!); };
const fdSamples = frechet(pick(clipped, m), train, D), fdTest = frechet(pick(test, m), train, D);
const nnS = nearest(clipped, train, D), nnT = nearest(test, train, D);
const p5 = Float64Array.from(nnT).sort()[Math.floor(0.05 * nnT.length)]!;
console.log(JSON.stringify({
  model: a.model, guidance, method: a.method, steps: Number(a.steps), samples_per_class: n,
  classifier: { kind: "softmax regression on the training split", held_out_accuracy: +testAcc.toFixed(4) },
  sample_accuracy: +sampleAcc.toFixed(4), per_class: perClass,
  frechet_pixels: { samples_vs_train: +fdSamples.toFixed(2), heldout_vs_train: +fdTest.toFixed(2), ratio: +(fdSamples / fdTest).toFixed(2), points: m },
  nearest_train_l2: { samples_median: +median(nnS).toFixed(2), heldout_median: +median(nnT).toFixed(2), samples_below_heldout_5th_percentile: +(nnS.filter((d) => d < p5).length / nnS.length).toFixed(3) },
  seconds: +((performance.now() - t0) / 1000).toFixed(1),
}, null, 2));
model.dispose();
