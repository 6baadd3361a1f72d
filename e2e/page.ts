/** Helpers for driving the playground page: waiting on its test hooks, downloads, and reading canvases. */
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";

/** Waits until the step counter (`data-testid="step"`) shows `step`. */
export async function waitForStep(page: Page, step: number, timeout = 180_000): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('[data-testid="step"]')?.textContent === String(s), step, { timeout, polling: 200 });
}

/** Waits until the canvas `testid` was drawn from the weights of `step` (its data-step attribute). */
export async function waitForDrawn(page: Page, testid: string, step: number, timeout = 120_000): Promise<void> {
  await page.waitForSelector(`[data-testid="${testid}"][data-step="${step}"]`, { timeout, state: "attached" });
}

/** Clicks `testid` and returns the downloaded file's name and bytes. */
export async function downloadFrom(page: Page, testid: string): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  const n = testid === "save-checkpoint" ? 2 : 1;
  const downloads = new Promise<void>((resolve) => {
    page.on("download", async function onDownload(d) {
      out.push({ name: d.suggestedFilename(), bytes: await readFile((await d.path())!) });
      if (out.length === n) {
        page.off("download", onDownload);
        resolve();
      }
    });
  });
  await page.getByTestId(testid).click();
  await downloads;
  return out;
}

/** Parses exported samples (an x,y header, then one point per row) into [x, y] pairs. */
export function parsePoints(csv: string): [number, number][] {
  const rows = csv.trim().split("\n");
  if (rows[0] !== "x,y") throw new Error(`expected an x,y header, got ${rows[0]}`);
  return rows.slice(1).map((r) => r.split(",").map(Number) as [number, number]);
}

/** Pixels of a canvas that differ from its most common colour (the background), and its distinct colours. */
export async function canvasInk(page: Page, testid: string): Promise<{ ink: number; colors: number }> {
  return page.evaluate((id) => {
    const c = document.querySelector(`[data-testid="${id}"]`) as HTMLCanvasElement;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4) {
      const k = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const background = Math.max(...counts.values());
    return { ink: d.length / 4 - background, colors: counts.size };
  }, testid);
}
