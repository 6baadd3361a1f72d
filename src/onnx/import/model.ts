/**
 * ONNX file bytes → a flow-matching model config and its parameters (the "onnx" network kind, net.ts). Browser-safe:
 * the CLI (`flowmatch import`) reads the file and writes the checkpoint around this.
 *
 * Inputs are matched by name — x: "x"; t: "t", "time", "timestep", "timesteps"; label: "y", "label", "labels",
 * "class", "class_labels" — or given explicitly. A graph input of rank 4 ([B, C, H, W]) is an image: its static
 * sizes give the event shape [H, W, C] unless `image` is given. A label input makes the model class-conditional
 * with K classes ("0" … "K−1", label value k for class k) and the graph's null label for ∅; without `classes`,
 * K + 1 is read from the rows of the embedding table the label indexes (Gather), with ∅ the last row.
 */
import { np, fromHost, type DType } from "../../engine/index.js";
import { OptionError } from "../../errors.js";
import { getScheduler } from "../../paths/scheduler.js";
import "../../paths/index.js";
import type { ModelConfig, ModelParams } from "../../fm/velocity-model.js";
import { decodeModel, DTYPE_NAMES, type Model } from "./decode.js";
import { graphToJson } from "./graph-json.js";
import { onnxNet, type OnnxNetConfig } from "./net.js";

export interface ImportOnnxOptions {
  /** Data dimension D (vector data); default: from the graph's x input. */
  dim?: number;
  /** Image event shape [H, W, C]; default: from a rank-4 x input's static sizes. */
  image?: number[];
  /** Graph input names for x, t and label (default: matched by name). */
  inputs?: { x?: string; t?: string; label?: string };
  /** The probability path the network was trained on (default "condot"). */
  path?: string;
  /** Number of classes K of a label input (default: from the label's embedding table). */
  classes?: number;
  /** The graph's label value for ∅ (default K). */
  nullLabel?: number;
  /** Float dtype of the parameters (default float32). */
  dtype?: DType;
}

const NAMES = { x: ["x"], t: ["t", "time", "timestep", "timesteps"], label: ["y", "label", "labels", "class", "class_labels"] };

function pickInputs(m: Model, given: ImportOnnxOptions["inputs"] = {}): { x: string; t: string; label?: string } {
  const names = m.graph.inputs.map((i) => i.name);
  const find = (role: keyof typeof NAMES) => given[role] ?? NAMES[role].find((n) => names.includes(n));
  const x = find("x");
  const t = find("t");
  const label = find("label");
  for (const [role, n] of Object.entries({ x, t, label })) {
    if (n !== undefined && !names.includes(n)) throw new OptionError(`--inputs ${role}=${n}: the graph has no input "${n}" (its inputs: ${names.join(", ")})`);
  }
  if (!x || !t) throw new OptionError(`cannot tell which graph input is ${!x ? "x" : "t"} (the graph's inputs: ${names.join(", ")}); name them with --inputs x=NAME,t=NAME[,label=NAME]`);
  return { x, t, ...(label ? { label } : {}) };
}

/** Rows of the table a Gather indexes with the label input (its K + 1), when the graph has one. */
function labelTableRows(m: Model, label: string): number | undefined {
  for (const n of m.graph.nodes) {
    if (n.opType !== "Gather" || n.inputs[1] !== label) continue;
    const table = m.graph.initializers.find((t) => t.name === n.inputs[0]);
    if (table) return table.dims[0];
  }
  return undefined;
}

/** The model config and parameters (owned) of an ONNX velocity field. */
export function importOnnx(bytes: Uint8Array, o: ImportOnnxOptions = {}): { config: ModelConfig; params: ModelParams } {
  const m = decodeModel(bytes);
  const inputs = pickInputs(m, o.inputs);
  const xInfo = m.graph.inputs.find((i) => i.name === inputs.x)!;
  if (xInfo.elemType !== 1 && xInfo.elemType !== 11) throw new OptionError(`the graph's x input "${inputs.x}" holds ${DTYPE_NAMES[xInfo.elemType] ?? xInfo.elemType} values; a velocity field takes float`);
  const rest = xInfo.shape.slice(1);
  const staticRest = rest.every((d) => typeof d === "number") ? (rest as number[]) : undefined;
  let image = o.image;
  if (!image && xInfo.shape.length === 4 && staticRest) image = [staticRest[1]!, staticRest[2]!, staticRest[0]!];
  if (image && (image.length !== 3 || xInfo.shape.length !== 4)) throw new OptionError(`--image H,W,C needs a graph whose x input is [B, C, H, W] (x is [${xInfo.shape}])`);
  if (image && staticRest && [staticRest[1], staticRest[2], staticRest[0]].join() !== image.join())
    throw new OptionError(`--image ${image.join(",")} does not match the graph's x input [${xInfo.shape}] (NCHW: H,W,C = ${staticRest[1]},${staticRest[2]},${staticRest[0]})`);
  const fromGraph = image ? image[0]! * image[1]! * image[2]! : staticRest?.reduce((a, b) => a * b, 1);
  if (o.dim !== undefined && fromGraph !== undefined && o.dim !== fromGraph) throw new OptionError(`--dim ${o.dim} does not match the graph's x input [${xInfo.shape}] (${fromGraph} values per row)`);
  const dim = fromGraph ?? o.dim;
  if (dim === undefined) throw new OptionError(`the graph's x input [${xInfo.shape}] has dynamic sizes: give --dim D or --image H,W,C`);
  const path = o.path ?? "condot";
  getScheduler(path);

  let classes = o.classes;
  let nullLabel = o.nullLabel;
  if (inputs.label) {
    if (classes === undefined) {
      const rows = labelTableRows(m, inputs.label);
      if (rows === undefined || rows < 2) throw new OptionError(`the graph has a label input "${inputs.label}": give --classes K (and --null-label L, default K)`);
      classes = rows - 1;
    }
    nullLabel ??= classes;
  } else if (classes !== undefined || nullLabel !== undefined) {
    throw new OptionError(`--classes/--null-label: the graph has no label input (its inputs: ${m.graph.inputs.map((i) => i.name).join(", ")}); name it with --inputs label=NAME`);
  }

  const { graph, weights } = graphToJson(m);
  const net: OnnxNetConfig = {
    kind: "onnx", dim, graph, inputs, ...(image ? { image } : {}),
    ...(classes !== undefined ? { condWidth: classes + 1, nullLabel } : {}),
  };
  const config: ModelConfig = {
    kind: "flow-matching", net, path,
    ...(classes !== undefined ? { cond: { kind: "class" as const, classes: Array.from({ length: classes }, (_, k) => String(k)), embedDim: classes + 1, source: inputs.label } } : {}),
  };
  const vnet = onnxNet(net); // refuses unsupported ops and mismatched inputs before any array is made
  void vnet;
  const dtype = o.dtype ?? np.float32;
  const params: ModelParams = { net: { w: weights.map((t) => fromHost(t.data, t.dims, dtype)) } };
  if (classes !== undefined) params.embed = np.eye(classes + 1, undefined, { dtype });
  return { config, params };
}
