/**
 * End-to-end tests of the built playground (playground/dist) in headless Chromium: it trains flow matching on
 * 8gaussians in its worker and the exported samples cover every mode; the heatmap and trajectory views draw; a
 * checkpoint written by the CLI opens and samples exactly what the library samples from it; a checkpoint the page
 * downloads loads in Node; the page works cross-origin isolated (COOP/COEP) as well as without; and with a WebGPU
 * adapter it trains, on WebGPU or, where WebGPU fails, on wasm after falling back.
 *
 * Builds playground/dist first (`npm run playground:build`; E2E_NO_BUILD=1 reuses an existing build). Needs
 * /usr/bin/chromium (or CHROMIUM_PATH). Keeps a screenshot of the trained page in $TMPDIR/flowmatch-e2e/playground.png;
 * `E2E_SCREENSHOT=docs/playground.png npm run test:e2e` refreshes the README's picture instead.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { serve, type Served } from "./server.ts";
import { launch } from "./browser.ts";
import { canvasInk, downloadFrom, parsePoints, waitForDrawn, waitForStep } from "./page.ts";
import { cliSandbox } from "../test/util/cli.ts";
import { data, initEngine, sample } from "../src/index.ts";
import { loadModel } from "../src/node/index.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "playground/dist");
let site: Served;
let isolated: Served;
let browser: Browser;

before(async () => {
  // A stale dist would test old code: build (about a second) unless told the build is fresh.
  if (!process.env.E2E_NO_BUILD || !existsSync(join(dist, "index.html"))) execFileSync("npm", ["run", "-s", "playground:build"], { cwd: root, stdio: "ignore" });
  site = await serve(dist);
  isolated = await serve(dist, { isolate: true });
  browser = await launch();
  await initEngine();
});

after(async () => {
  await browser?.close();
  await site?.close();
  await isolated?.close();
});

async function open(query: string, base = site.url) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1100 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${base}${query}`);
  await page.getByTestId("train").waitFor();
  return { page, errors };
}

/** Samples in data units → the share of them nearest each 8gaussians mode. */
function modeShares(points: [number, number][]): number[] {
  const centers = data.eightGaussians.centers;
  const counts = new Array(centers.length).fill(0);
  for (const [x, y] of points) {
    let best = 0;
    centers.forEach(([cx, cy], k) => {
      if ((x - cx) ** 2 + (y - cy) ** 2 < (x - centers[best]![0]) ** 2 + (y - centers[best]![1]) ** 2) best = k;
    });
    counts[best]++;
  }
  return counts.map((c) => c / points.length);
}

test("8gaussians: trains in the worker, every mode gets ≥ 5% of the exported samples, the views draw", async () => {
  const steps = 600;
  const { page, errors } = await open(`?data=8gaussians&steps=${steps}&width=64&lr=0.005&n=2000&res=32`);
  await page.getByTestId("train").click();
  await waitForStep(page, steps);
  await waitForDrawn(page, "heatmap", steps);
  await waitForDrawn(page, "trajectories", steps);
  const [file] = await downloadFrom(page, "export-samples");
  const points = parsePoints(file!.bytes.toString("utf8"));
  assert.equal(points.length, 2000);
  assert.ok(points.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const shares = modeShares(points);
  assert.ok(shares.every((s) => s >= 0.05), `mode shares ${shares.map((s) => s.toFixed(3)).join(", ")}`);
  // The heatmap is a viridis image (many colours); the trajectories are lines and points over a white plot.
  const heat = await canvasInk(page, "heatmap");
  assert.ok(heat.colors > 50 && heat.ink > 10_000, `heatmap: ${JSON.stringify(heat)}`);
  const traj = await canvasInk(page, "trajectories");
  assert.ok(traj.ink > 2_000, `trajectories: ${JSON.stringify(traj)}`);
  assert.match(await page.getByTestId("engine").textContent() ?? "", /engine: (wasm|webgpu)/);
  const shot = process.env.E2E_SCREENSHOT ? join(root, process.env.E2E_SCREENSHOT) : join(tmpdir(), "flowmatch-e2e", "playground.png");
  mkdirSync(dirname(shot), { recursive: true });
  await page.screenshot({ path: shot });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a CLI checkpoint opens and samples what the library samples; the page's checkpoint loads in Node", async () => {
  const { dir, cli } = cliSandbox("flowmatch-e2e-");
  const r = cli("train", "--data", "8gaussians", "--steps", "30", "--hidden", "32,32", "--batch", "128", "--out", "ck", "--quiet");
  assert.equal(r.code, 0, r.err);
  const ck = join(dir, "ck");
  const { page, errors } = await open("?n=500&solver=rk4&nsteps=10");
  await page.getByTestId("open-checkpoint").setInputFiles([join(ck, "config.json"), join(ck, "weights.safetensors")]);
  await waitForStep(page, 30);
  await waitForDrawn(page, "heatmap", 30);
  const [file] = await downloadFrom(page, "export-samples");
  const got = parsePoints(file!.bytes.toString("utf8")).flat();
  // The page samples with seed 1 (see worker-views.ts): the library, from the same files, draws the same points.
  const model = loadModel(ck);
  const want = sample(model, 500, { method: "rk4", steps: 10, seed: 1 }).samples;
  model.dispose();
  assert.equal(got.length, want.length);
  const maxDiff = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i]!)), 0);
  assert.ok(maxDiff < 1e-4, `page vs library samples differ by up to ${maxDiff}`);

  // Train on a few steps in the page, then download: the CLI's loader reads the page's checkpoint at that step.
  await page.getByTestId("train").click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="step"]')?.textContent) >= 40, null, { timeout: 60_000 });
  await page.getByTestId("train").click(); // pause
  await page.waitForSelector('[data-testid="train"][data-running="false"]', { timeout: 60_000, state: "attached" });
  const step = Number(await page.getByTestId("step").textContent());
  const files = await downloadFrom(page, "save-checkpoint");
  const out = mkdtempSync(join(tmpdir(), "flowmatch-e2e-page-"));
  for (const f of files) writeFileSync(join(out, f.name), f.bytes);
  assert.deepEqual(files.map((f) => f.name).sort(), ["config.json", "weights.safetensors"]);
  const s = cli("sample", "--model", out, "--n", "5", "--method", "rk4", "--steps", "10");
  assert.equal(s.code, 0, s.err);
  assert.equal(s.out.trim().split("\n").length, 6);
  const config = JSON.parse(files.find((f) => f.name === "config.json")!.bytes.toString("utf8"));
  assert.equal(config.train.step, step);
  assert.deepEqual(errors, []);
  await page.close();
});

test("cross-origin isolated (COOP/COEP headers): the page trains and draws the same way; every control is labelled; the keyboard starts training", async () => {
  const { page, errors } = await open("?model=nsf&steps=30&width=16&res=16&n=300", isolated.url);
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  // Every control has a label (or, for buttons, its text), and training starts from the keyboard.
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, button")]
      .filter((e) => (e instanceof HTMLButtonElement ? !e.textContent?.trim() : !(e as HTMLInputElement).labels?.length))
      .map((e) => e.outerHTML));
  assert.deepEqual(unlabelled, []);
  await page.getByTestId("train").focus();
  await page.keyboard.press("Enter");
  await waitForStep(page, 30);
  await waitForDrawn(page, "heatmap", 30);
  assert.match(await page.getByTestId("engine").textContent() ?? "", /cross-origin isolated/);
  const heat = await canvasInk(page, "heatmap");
  assert.ok(heat.colors > 20, `heatmap: ${JSON.stringify(heat)}`);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a 2-D CSV and points drawn with the brush become the training data; the URL carries the settings", async () => {
  const { page, errors } = await open("?model=realnvp&width=16&steps=15&res=12&n=200");
  const csv = join(mkdtempSync(join(tmpdir(), "flowmatch-e2e-csv-")), "blob.csv");
  writeFileSync(csv, `a,b\n${Array.from({ length: 300 }, (_, i) => `${10 + Math.cos(i)},${-5 + Math.sin(3 * i)}`).join("\n")}\n`);
  await page.getByTestId("open-csv").setInputFiles(csv);
  await page.waitForFunction(() => document.getElementById("model-line")?.textContent?.includes("data blob.csv"), null, { timeout: 60_000 });
  assert.match(page.url(), /data=csv/);
  assert.match(page.url(), /model=realnvp/);
  await page.getByTestId("train").click();
  await waitForStep(page, 15);
  await waitForDrawn(page, "heatmap", 15);
  // Samples come back in the table's units (around (10, −5)), not the model's standardized ones.
  const [file] = await downloadFrom(page, "export-samples");
  const pts = parsePoints(file!.bytes.toString("utf8"));
  const mean = pts.reduce(([sx, sy], [x, y]) => [sx + x / pts.length, sy + y / pts.length], [0, 0]);
  assert.ok(Math.abs(mean[0]! - 10) < 1.5 && Math.abs(mean[1]! + 5) < 1.5, `sample mean ${mean}`);

  // The brush: tick it, drag across the samples view, use the points.
  await page.locator("#brush").check();
  const box = (await page.getByTestId("samples").boundingBox())!;
  await page.mouse.move(box.x + 60, box.y + 60);
  await page.mouse.down();
  for (let k = 1; k <= 20; k++) await page.mouse.move(box.x + 60 + 10 * k, box.y + 60 + 5 * k);
  await page.mouse.up();
  await page.getByTestId("brush-train").click();
  await page.waitForFunction(() => document.getElementById("model-line")?.textContent?.includes("data drawn points"), null, { timeout: 60_000 });
  assert.match(page.url(), /data=brush/);
  assert.deepEqual(errors, []);
  await page.close();
});

test("with a WebGPU adapter the page trains: on WebGPU, or on wasm after a fallback it reports", async () => {
  const gpuBrowser = await launch({ webgpu: true });
  try {
    const page = await gpuBrowser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${site.url}?steps=20&width=16&n=200&res=8`);
    await page.getByTestId("train").waitFor();
    const adapter = await page.evaluate(async () => !!(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()));
    await page.getByTestId("train").click();
    await waitForStep(page, 20);
    await waitForDrawn(page, "heatmap", 20);
    const engine = (await page.getByTestId("engine").textContent()) ?? "";
    const note = (await page.locator("#message").textContent()) ?? "";
    if (/engine: wasm/.test(engine) && adapter) assert.match(note, /WebGPU failed .*training on wasm instead/);
    else assert.match(engine, adapter ? /engine: webgpu/ : /engine: wasm/);
    // The abandoned WebGPU worker's pending error scopes reject as it is terminated (jax-js's, not the page's).
    assert.deepEqual(errors.filter((e) => !/popErrorScope/.test(e)), []);
  } finally {
    await gpuBrowser.close();
  }
});
