// A class-conditional NSF from the CLI: 8gaussians points with their mode index as a `label` column, trained with
// `--cond label`; `sample --label k` must put ≥ 90% of its samples nearest to center k. Also: the classes are
// recorded, the test split is kept, eval and plot work for the conditional flow, and misuse is a one-line error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";
import { Rng } from "../../src/engine/rng.js";
import { decodePng } from "../../src/plot/index.js";

const { dir, cli } = cliSandbox("fm-cond-flow-");
const { centers, std } = eightGaussians;

/** Mode k of 8gaussians: its center plus std·N(0, I), k = i mod 8 (the label is exact, not a nearest-center guess). */
function writeData(file: string, n: number): void {
  const rng = new Rng(7);
  const rows = ["x,y,label"];
  for (let i = 0; i < n; i++) {
    const k = i % 8;
    rows.push(`${centers[k]![0] + std * rng.normal()},${centers[k]![1] + std * rng.normal()},${k}`);
  }
  writeFileSync(join(dir, file), rows.join("\n") + "\n");
}

const nearest = (x: number, y: number) => {
  let best = 0, bd = Infinity;
  centers.forEach(([cx, cy], k) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    if (d < bd) [bd, best] = [d, k];
  });
  return best;
};

const readRows = (file: string) =>
  readFileSync(join(dir, file), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));

test("train --model nsf --cond label → sample --label k lands in mode k (≥ 90%); eval and plot work", () => {
  writeData("g.csv", 2000);
  let r = cli("train", "--model", "nsf", "--data", "g.csv", "--cond", "label", "--steps", "800", "--out", "m", "-q");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test NLL [-+0-9.e]+ ± [-+0-9.e]+ nats, [-+0-9.e]+ bits\/dim \(200 held-out rows\)/);
  const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8")).model;
  assert.equal(cfg.ctxDim, 8);
  assert.deepEqual(cfg.cond.classes, ["0", "1", "2", "3", "4", "5", "6", "7"]);
  assert.deepEqual(cfg.columns, [0, 1]);

  for (let k = 0; k < 8; k++) {
    r = cli("sample", "--model", "m", "--label", String(k), "--n", "200", "--seed", String(k), "--out", `s${k}.csv`);
    assert.equal(r.code, 0, r.err);
    const rows = readRows(`s${k}.csv`);
    assert.equal(rows.length, 200);
    const hit = rows.filter(([x, y]) => nearest(x!, y!) === k).length / rows.length;
    assert.ok(hit >= 0.9, `label ${k}: only ${(100 * hit).toFixed(1)}% of samples in mode ${k}`);
  }
  // Without --label: an equal-weight mixture over the classes, so every mode gets samples.
  r = cli("sample", "--model", "m", "--n", "400", "--out", "mix.csv");
  assert.equal(r.code, 0, r.err);
  const counts = new Array(8).fill(0);
  for (const [x, y] of readRows("mix.csv")) counts[nearest(x!, y!)]++;
  assert.ok(counts.every((c) => c >= 20), `mixture counts per mode ${counts}`);

  // eval: log p(x | label) of every row; conditioning sharpens the density well below the marginal's entropy
  // (log 8 nats above the conditional one).
  r = cli("eval", "--model", "m", "--data", "g.csv", "--samples", "300", "--json");
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  assert.equal(rep.n, 2000);
  const condEntropy = Math.log(2 * Math.PI * Math.E * std * std);
  assert.ok(rep.nll.mean < condEntropy + 0.5, `conditional NLL ${rep.nll.mean} vs entropy ${condEntropy}`);
  assert.ok(Number.isFinite(rep.mmd2) && rep.mmd2 < 0.05, `MMD² ${rep.mmd2}`);

  for (const extra of [["--label", "3"], []]) {
    r = cli("plot", "--model", "m", "--n", "300", "--out", "fig.png", ...extra);
    assert.equal(r.code, 0, r.err);
    const png = decodePng(readFileSync(join(dir, "fig.png")));
    assert.ok(png.width >= 3 * png.height * 0.9, `three panels expected, got ${png.width}x${png.height}`);
  }

  assertOneLineError(cli("sample", "--model", "m", "--label", "9", "--n", "5"), /label "9" was not seen in training; known labels: 0, 1/);
  assertOneLineError(cli("sample", "--model", "m", "--context", "1,2", "--n", "5"), /conditioned on class labels: pass --label/);
  r = cli("train", "--model", "nsf", "--data", "g.csv", "--cond", "label", "--steps", "810", "--out", "m", "--resume", "-q");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8")).train.step, 810);
});

test("conditional flow misuse: --cond on a planar flow, an unknown column, labels on an unconditional flow", () => {
  writeData("h.csv", 64);
  assertOneLineError(cli("train", "--model", "planar", "--data", "h.csv", "--cond", "label", "--steps", "1", "--out", "p", "-q"), /planar.*not supported/);
  assertOneLineError(cli("train", "--model", "nsf", "--data", "h.csv", "--cond", "nope", "--steps", "1", "--out", "p", "-q"), /no column "nope"/);
  const r = cli("train", "--model", "realnvp", "--data", "moons", "--steps", "2", "--layers", "1", "--hidden", "4", "--out", "u", "-q");
  assert.equal(r.code, 0, r.err);
  assertOneLineError(cli("sample", "--model", "u", "--label", "1", "--n", "5"), /unconditional: --label and --context do not apply/);
});
