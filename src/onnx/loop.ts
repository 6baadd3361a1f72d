/**
 * ONNX Loop bodies. A fixed number of solver steps is one Loop over a graph of a single step rather than the steps
 * unrolled: ONNX Runtime's session setup grows faster than linearly with a graph's node count (a U-Net's 10-step
 * log-density graph, 68k nodes, took 40 s to load; one step, 7k nodes, 2 s), and the file stays the size of one
 * step. A body traced by compileToGraph takes (iteration index, state) and returns the next state; Loop also wants a
 * condition in and out, which is added here (always true: the trip count ends the loop).
 */
import { DataType, type GraphProto } from "./proto.js";

/** `body` (inputs [i int64 scalar, state…], outputs [state′…]) with Loop's condition input and output added. */
export function asLoopBody(body: GraphProto, prefix: string): GraphProto {
  const cond = `${prefix}_cond`;
  return {
    ...body,
    inputs: [body.inputs[0]!, { name: cond, dataType: DataType.BOOL, shape: [] }, ...body.inputs.slice(1)],
    nodes: [...body.nodes, { opType: "Identity", inputs: [cond], outputs: [`${cond}_out`], name: `${prefix}Condition` }],
    outputs: [{ name: `${cond}_out`, dataType: DataType.BOOL, shape: [] }, ...body.outputs],
  };
}
