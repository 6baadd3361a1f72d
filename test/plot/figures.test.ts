/**
 * modelFigure/modelPanels: PNGs of the requested size for a flow-matching model and for a flow (vectors, images), a
 * data panel that shows the given points, a log-density panel that is the flow's log p on its grid, and the class
 * mixture for a class-conditional flow without a label.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  initEngine, np, Rng, VelocityModel, Flow, flows, defaultMlpConfig, modelFigure, plot, treeRef,
  ShapeError, type ModelConfig, type CondConfig,
} from "../../src/index.js";
const { decodePng, modelPanels, firstTwo } = plot;
import { perturb } from "../util/perturb-params.js";

await initEngine();

const fmConfig: ModelConfig = { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8] }, path: "condot" };
const gaussian = (n: number, D: number, seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * D }, () => rng.normal());
};

test("modelFigure of a flow-matching model: data | samples | trajectories, each panel width×height", () => {
  const model = VelocityModel.init(fmConfig, 1, np.float32);
  try {
    const png = decodePng(modelFigure(model, { n: 60, trajectories: 5, method: "euler", steps: 4, width: 220, height: 180, data: { points: gaussian(60, 2, 3), name: "gauss" } }));
    assert.equal(png.width, 3 * 220);
    assert.equal(png.height, 180);
    const panels = modelPanels(model, { n: 60, trajectories: 0, method: "euler", steps: 4, data: { points: gaussian(60, 2, 3), name: "gauss" } });
    assert.deepEqual(panels.map((p) => p.title), ["data (gauss)", "samples (euler, NFE 4)"]);
    assert.deepEqual(Array.from(panels[0]!.points), Array.from(gaussian(60, 2, 3)));
    const titled = decodePng(modelFigure(model, { n: 20, trajectories: 3, method: "euler", steps: 2, width: 200, height: 200, title: "t" }));
    assert.equal(titled.width, 2 * 200);
    assert.ok(titled.height > 200, "the title adds a band above the panels");
  } finally {
    model.dispose();
  }
});

test("modelFigure of a 2-D flow: data | samples | log-density, and the heatmap is the flow's log p", () => {
  // Two reversals are the identity, so log p is the standard normal's at every grid point.
  const flow = new Flow(new flows.Chain([flows.Permute.reverse([2]), flows.Permute.reverse([2])]), new flows.StandardNormal([2]));
  try {
    const png = decodePng(modelFigure(flow, { n: 200, width: 150, height: 160, data: { points: gaussian(100, 2, 5), name: "g" } }));
    assert.deepEqual([png.width, png.height], [3 * 150, 160]);
    const panels = modelPanels(flow, { n: 200, data: { points: gaussian(100, 2, 5), name: "g" } });
    assert.deepEqual(panels.map((p) => p.title), ["data (g)", "samples (custom)", "log-density"]);
    const h = panels[2]!.heatmap!;
    const [x0, x1, y0, y1] = h.extent!;
    for (const [i, j] of [[0, 0], [17, 93], [h.ny - 1, h.nx - 1]] as const) {
      const x = x0 + ((j + 0.5) / h.nx) * (x1 - x0), y = y0 + ((i + 0.5) / h.ny) * (y1 - y0);
      assert.ok(Math.abs(h.values[i * h.nx + j]! - (-Math.log(2 * Math.PI) - (x * x + y * y) / 2)) < 1e-4, `cell ${i},${j}`);
    }
    assert.throws(() => modelFigure(flow, { data: { points: new Float64Array(3), name: "odd" } }), ShapeError);
  } finally {
    flow.dispose();
  }
});

test("modelFigure of an image flow: 4×4 mosaics of data and samples", () => {
  const flow = new Flow(flows.Permute.reverse([4, 4, 1]), new flows.StandardNormal([4, 4, 1]));
  try {
    const data = Float64Array.from({ length: 16 * 16 }, (_, i) => i);
    const panels = modelPanels(flow, { n: 16, data: { points: data, name: "img" } });
    assert.deepEqual(panels.map((p) => p.title), ["data (img)", "samples (T=1)"]);
    const h = panels[0]!.heatmap!;
    assert.deepEqual([h.nx, h.ny], [16, 16]);
    // Image 0's first pixel at the top left (heatmap row 0 is the bottom row); image 5 (row 1, col 1), pixel (2, 3).
    assert.equal(h.values[15 * 16 + 0], data[0]);
    assert.equal(h.values[(15 - (4 + 2)) * 16 + 4 + 3], data[5 * 16 + 2 * 4 + 3]);
    const png = decodePng(modelFigure(flow, { n: 16, width: 120, height: 130 }));
    assert.deepEqual([png.width, png.height], [120, 130]);
  } finally {
    flow.dispose();
  }
});

test("a class-conditional flow: the density without a label is the equal-weight mixture; a label filters the data", () => {
  const cond: CondConfig = { kind: "class", classes: ["a", "b"], embedDim: 2, source: "label" };
  const flow = Flow.init({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8], cond, ctxDim: 2, seed: 4 });
  flow.setParams(perturb(treeRef(flow.params), new Rng(11), 0.3)); // zero-initialized conditioners would ignore the class
  try {
    const points = gaussian(40, 2, 9);
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 2);
    const all = modelPanels(flow, { n: 50, data: { points, name: "d", labels } });
    assert.deepEqual(all.map((p) => p.title), ["data (d, all labels)", "samples (realnvp, all labels)", "log-density"]);
    const h = all[2]!.heatmap!;
    const [x0, x1, y0, y1] = h.extent!;
    const xy = Float64Array.from([x0 + (3.5 / h.nx) * (x1 - x0), y0 + (7.5 / h.ny) * (y1 - y0)]);
    const pa = flow.logProb(xy, { ctx: [1, 0] })[0]!, pb = flow.logProb(xy, { ctx: [0, 1] })[0]!;
    assert.ok(Math.abs(pa - pb) > 1e-3, `the two classes have different densities (${pa}, ${pb})`);
    assert.ok(Math.abs(h.values[7 * h.nx + 3]! - Math.log((Math.exp(pa) + Math.exp(pb)) / 2)) < 1e-4);
    const b = modelPanels(flow, { n: 50, label: "b", data: { points, name: "d", labels } });
    assert.equal(b[0]!.title, "data (d, label b)");
    assert.deepEqual(Array.from(b[0]!.points), Array.from(points).filter((_, k) => Math.floor(k / 2) % 2 === 1));
    const hb = b[2]!.heatmap!;
    const xyb = Float64Array.from([hb.extent![0] + (0.5 / hb.nx) * (hb.extent![1] - hb.extent![0]), hb.extent![2] + (0.5 / hb.ny) * (hb.extent![3] - hb.extent![2])]);
    assert.ok(Math.abs(hb.values[0]! - flow.logProb(xyb, { ctx: [0, 1] })[0]!) < 1e-4);
  } finally {
    flow.dispose();
  }
});

test("firstTwo keeps the first two coordinates (a 1-D point gets y = 0)", () => {
  assert.deepEqual(Array.from(firstTwo(Float64Array.from([1, 2, 3, 4, 5, 6]), 3)), [1, 2, 4, 5]);
  assert.deepEqual(Array.from(firstTwo(Float64Array.from([7, 8]), 1)), [7, 0, 8, 0]);
});
