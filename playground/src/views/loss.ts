/** The loss curve: every step's loss (faint) and a running mean over 50 steps, on a linear axis fit to the data. */
export function drawLoss(canvas: HTMLCanvasElement, losses: number[]): void {
  const c = canvas.getContext("2d")!;
  const w = canvas.width, h = canvas.height;
  c.fillStyle = "#fff";
  c.fillRect(0, 0, w, h);
  c.strokeStyle = "#bbb";
  c.strokeRect(0.5, 0.5, w - 1, h - 1);
  const finite = losses.filter(Number.isFinite);
  if (finite.length < 2) return;
  const smooth: number[] = [];
  let acc = 0;
  for (let i = 0; i < losses.length; i++) {
    acc += Number.isFinite(losses[i]!) ? losses[i]! : 0;
    if (i >= 50) acc -= Number.isFinite(losses[i - 50]!) ? losses[i - 50]! : 0;
    smooth.push(acc / Math.min(i + 1, 50));
  }
  // The y range ignores the first few steps' large losses, which would flatten the rest.
  const tail = finite.slice(Math.floor(finite.length * 0.05));
  const lo = tail.reduce((a, b) => Math.min(a, b)), hi = tail.reduce((a, b) => Math.max(a, b));
  const y = (v: number) => h - 14 - ((v - lo) / Math.max(hi - lo, 1e-9)) * (h - 24);
  const x = (i: number) => 4 + (i / Math.max(losses.length - 1, 1)) * (w - 8);
  const line = (vals: number[], color: string) => {
    c.strokeStyle = color;
    c.beginPath();
    vals.forEach((v, i) => (i === 0 ? c.moveTo(x(i), y(v)) : c.lineTo(x(i), y(v))));
    c.stroke();
  };
  line(losses, "rgba(31,119,180,0.25)");
  line(smooth, "#1f77b4");
  c.fillStyle = "#333";
  c.font = "11px system-ui, sans-serif";
  c.fillText(`loss ${smooth.at(-1)!.toFixed(3)} (mean of 50) · step ${losses.length}`, 6, h - 3);
}
