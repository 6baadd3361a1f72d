// npm run bench:browser: prints JSON. The playground's bundle size (every asset of playground/dist, raw and gzip,
// computed with node:zlib; "initial" = what the first visit loads: the page, its script and style, and the worker)
// and the flow-matching training step time in headless Chromium (the built page, its worker, the engine it picks)
// against Node's for the same model: MLP 64×3 on [x, t] with sinusoidal time, batch 256, 8gaussians, Adam, EMA 0.99.
// Both exclude the first 30 steps (compilation). Needs /usr/bin/chromium (or CHROMIUM_PATH); builds the site first.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { initEngine, createTrainState, train, disposeTrainState, openDataSource, defaultMlpConfig } from "../src/index.js";
import { serve } from "../e2e/server.ts";
import { launch } from "../e2e/browser.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "playground/dist");
const WARM = 30;
const STEPS = Number(process.env.BENCH_STEPS ?? 300);
const WIDTH = 64, BATCH = 256;

execFileSync("npm", ["run", "playground:build"], { cwd: root, stdio: "ignore" });

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
}
const assets = files(dist).map((f) => {
  const bytes = readFileSync(f);
  return { file: relative(dist, f), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const initial = assets.filter((a) => /^(index\.html|assets\/(index|worker)-.*\.(js|css))$/.test(a.file));
const sum = (xs: { bytes: number; gzip: number }[]) => ({ bytes: xs.reduce((s, a) => s + a.bytes, 0), gzip: xs.reduce((s, a) => s + a.gzip, 0) });

async function browserStep(): Promise<{ device: string; msPerStep: number; crossOriginIsolated: boolean }> {
  const site = await serve(dist);
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}?data=8gaussians&width=${WIDTH}&batch=${BATCH}&steps=${WARM + STEPS}&n=200&res=8`);
    await page.getByTestId("train").click();
    const stats = async () => {
      const d = await page.getByTestId("engine").evaluate((e) => ({ ...(e as HTMLElement).dataset }));
      return { ms: Number(d.trainMs), steps: Number(d.trainedSteps) };
    };
    await page.waitForFunction((w) => Number(document.querySelector('[data-testid="engine"]')?.getAttribute("data-trained-steps")) >= w, WARM, { timeout: 120_000, polling: 50 });
    const a = await stats();
    await page.waitForFunction((n) => document.querySelector('[data-testid="step"]')?.textContent === String(n), WARM + STEPS, { timeout: 600_000 });
    const b = await stats();
    const engine = (await page.getByTestId("engine").textContent()) ?? "";
    return { device: /engine: (\w+)/.exec(engine)?.[1] ?? "?", msPerStep: (b.ms - a.ms) / (b.steps - a.steps), crossOriginIsolated: /cross-origin isolated/.test(engine) };
  } finally {
    await browser.close();
    await site.close();
  }
}

function nodeStep(): number {
  const state = createTrainState(
    { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [WIDTH, WIDTH, WIDTH] }, path: "condot" },
    { steps: WARM + STEPS, batch: BATCH, emaDecay: 0.99, warmupSteps: 30 },
  );
  let tWarm = 0;
  train(state, openDataSource("8gaussians"), { progressEvery: WARM, onProgress: (p) => void (p.step === WARM && (tWarm = performance.now())) });
  const ms = (performance.now() - tWarm) / STEPS;
  disposeTrainState(state);
  return ms;
}

await initEngine();
const browser = await browserStep();
const node = nodeStep();
console.log(JSON.stringify({
  bundle: { initial: sum(initial), all: sum(assets), assets },
  step: { model: `fm mlp ${WIDTH}x3, batch ${BATCH}`, steps: STEPS, browser, nodeMsPerStep: node, browserOverNode: browser.msPerStep / node },
}, null, 2));
