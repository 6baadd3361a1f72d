/**
 * A data-parallel gradient thread (see parallel.ts): its own engine and compiled loss gradient; per step it reads
 * the parameters and its shard of the batch from shared memory and writes back the gradient and the loss.
 */
import { workerData } from "node:worker_threads";
import { initEngine, treeOps } from "../engine/index.js";
import { SyncSlot, Slot } from "./workers.js";
import { VelocityModel } from "../fm/velocity-model.js";
import { makeObjective } from "../fm/objectives.js";
import { makeGradStep } from "../train/step.js";
import { floatsOf, unpackInputs, treeLayout, readTree, writeTree, type GradWorkerData } from "./parallel.js";

const d = workerData as GradWorkerData;
const slot = new SyncSlot(d.slot);
try {
  await initEngine("wasm");
  if (d.netModule) await import(d.netModule);
  const template = VelocityModel.init(d.config, 0, d.dtype).params;
  const layout = treeLayout(template);
  treeOps.dispose(template);
  const step = makeGradStep(makeObjective(d.config, d.options, d.dtype).loss);
  const params = floatsOf(d.dtype, d.params), out = floatsOf(d.dtype, d.out), inputs = floatsOf(d.dtype, d.inputs);
  const meta = new Int32Array(d.meta);
  slot.set(Slot.ready);
  while (slot.waitFor([Slot.work, Slot.stop], Infinity, "waiting for work") === Slot.work) {
    const [loss, grads] = step(readTree(layout, params, d.dtype), unpackInputs(meta, inputs, d.dtype));
    const n = writeTree(grads, out);
    treeOps.dispose(grads);
    out[n] = loss.dataSync()[0]!; // the last value: the loss
    slot.set(Slot.done);
  }
} catch (e) {
  slot.fail(e);
}
