/**
 * The playground's build: a static site in playground/dist with relative asset URLs (`base: "./"`), so it works
 * from any static host and from a sub-path. The app imports the library's public core entry as `flowmatch`, aliased
 * to the sources (no dist build needed). The training worker is an ES module worker.
 */
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: { alias: { flowmatch: here("../src/index.ts") } },
  worker: { format: "es" },
  build: { outDir: here("dist"), emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 2000 },
  server: {
    // The same isolation headers a host may send (see README): they enable SharedArrayBuffer; the app works without.
    headers: { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" },
  },
});
