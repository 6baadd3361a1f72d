/**
 * Files in and out of the page: downloads (samples CSV, checkpoint files), reading a checkpoint the user picked
 * (the CLI's two files), and the table of a dropped CSV or of brushed points.
 */

/** Saves `data` as a file called `name` through a temporary link (the browser's download). */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Row-major [n, 2] points as CSV with an x,y header, one point per row, full precision. */
export function pointsCsv(xy: Float64Array): string {
  const rows = ["x,y"];
  for (let i = 0; i + 1 < xy.length; i += 2) rows.push(`${xy[i]},${xy[i + 1]}`);
  return rows.join("\n") + "\n";
}

/**
 * The checkpoint in the files picked: config.json and weights.safetensors (names as the CLI writes them; any .json
 * and any .safetensors are accepted). A missing part is an error naming it.
 */
export async function readCheckpointFiles(files: FileList | File[]): Promise<{ configJson: string; weights: Uint8Array }> {
  const list = [...files];
  const config = list.find((f) => f.name.endsWith(".json"));
  const weights = list.find((f) => f.name.endsWith(".safetensors"));
  if (!config || !weights) throw new Error(`pick both files of a checkpoint folder: config.json and weights.safetensors (got ${list.map((f) => f.name).join(", ") || "nothing"})`);
  return { configJson: await config.text(), weights: new Uint8Array(await weights.arrayBuffer()) };
}
