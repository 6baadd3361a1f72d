/**
 * Debian's chromium driven by playwright-core (npm cannot download browsers here; .ci/run installs chromium with
 * apt-get). The background-networking flags matter: without them chromium misbehaves on a closed network.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless chromium; `webgpu` swaps --disable-gpu for --enable-unsafe-webgpu (a software adapter where no GPU is). */
export function launch(o: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", o.webgpu ? "--enable-unsafe-webgpu" : "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}
