/**
 * A data-parallel gradient thread (see parallel.ts): its own engine and compiled loss gradient; per step it reads
 * the parameters and its shard of the batch from shared memory and writes back the gradient and the loss.
 */
import { workerData } from "node:worker_threads";
import { initEngine, np, treeOps, treeLeaves, type Array } from "../engine/index.js";
import { SyncSlot, Slot } from "../engine/workers.js";
import { VelocityModel, type ModelParams } from "../model/velocity-model.js";
import { makeObjective } from "./objectives.js";
import { makeGradStep } from "./step.js";
import { floatsOf, unpackInputs, type GradWorkerData } from "./parallel.js";

const d = workerData as GradWorkerData;
const slot = new SyncSlot(d.slot);
try {
  await initEngine("wasm");
  const template = VelocityModel.init(d.config, 0, d.dtype).params;
  const [leaves, def] = treeOps.flatten(template);
  const shapes = (leaves as Array[]).map((a) => a.shape);
  treeOps.dispose(template);
  const step = makeGradStep(makeObjective(d.config, d.options, d.dtype).loss);
  const params = floatsOf(d.dtype, d.params), out = floatsOf(d.dtype, d.out), inputs = floatsOf(d.dtype, d.inputs);
  const meta = new Int32Array(d.meta);
  slot.set(Slot.ready);
  for (;;) {
    const s = slot.get();
    if (s === Slot.stop) break;
    if (s !== Slot.work) {
      Atomics.wait(new Int32Array(d.slot, 0, 1), 0, s);
      continue;
    }
    let off = 0;
    const p = treeOps.unflatten(def, shapes.map((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const a = np.array(params.slice(off, off + n), { dtype: d.dtype }).reshape(shape);
      off += n;
      return a;
    })) as ModelParams;
    const [loss, grads] = step(p, unpackInputs(meta, inputs, d.dtype));
    off = 0;
    for (const g of treeLeaves(grads)) {
      const v = g.ref.dataSync() as Float32Array;
      out.set(v, off);
      off += v.length;
    }
    treeOps.dispose(grads);
    out[off] = loss.dataSync()[0]!;
    slot.set(Slot.done);
  }
} catch (e) {
  slot.fail(e);
}
