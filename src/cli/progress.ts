/** A one-line progress bar on stderr: bar, count, rate, ETA and loss. Falls back to a line per 10% off a TTY. */
import { formatNumber as sig } from "../format.js";
export interface ProgressLine {
  update(done: number, extra?: string): void;
  finish(extra?: string): void;
}

export function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return "?";
  const s = Math.max(0, Math.round(sec));
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}` : `${m}:${String(s % 60).padStart(2, "0")}`;
}

export function progressBar(total: number, label: string, opts: { quiet?: boolean; unit?: string; start?: number } = {}): ProgressLine {
  const tty = !!process.stderr.isTTY;
  const t0 = performance.now();
  const start = opts.start ?? 0;
  const unit = opts.unit ?? "it";
  let lastDecile = -1;
  const line = (done: number, extra = "") => {
    const el = (performance.now() - t0) / 1000;
    const rate = (done - start) / Math.max(el, 1e-9);
    const frac = total > 0 ? done / total : 1;
    const width = 24;
    const fill = Math.round(frac * width);
    const bar = "█".repeat(fill) + "░".repeat(width - fill);
    return `${label} ${bar} ${String(Math.round(frac * 100)).padStart(3)}% ${done}/${total} | ${sig(rate, 3)} ${unit}/s | ETA ${fmtTime((total - done) / rate)}${extra ? " | " + extra : ""}`;
  };
  return {
    update(done, extra) {
      if (opts.quiet) return;
      if (tty) process.stderr.write("\r" + line(done, extra) + "\x1b[K");
      else {
        const d = Math.floor((done / total) * 10);
        if (d !== lastDecile) {
          lastDecile = d;
          process.stderr.write(line(done, extra) + "\n");
        }
      }
    },
    finish(extra) {
      if (opts.quiet) return;
      const el = (performance.now() - t0) / 1000;
      process.stderr.write((tty ? "\r" + line(total, extra) + "\x1b[K\n" : "") + `${label} done in ${fmtTime(el)}${extra ? " | " + extra : ""}\n`);
    },
  };
}
