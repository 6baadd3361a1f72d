/**
 * The root entries stay small: `flowmatch` and `flowmatch/node` export at most 120 names each (values and types,
 * namespaces counting one), everything else lives in a namespace. Names are counted with the TypeScript checker
 * (type-only exports included) and, for values, by importing the module.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const LIMIT = 120;
const src = (p: string) => fileURLToPath(new URL(`../../src/${p}`, import.meta.url));

/** Every name a module exports, types included. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts", "lib.dom.d.ts"], skipLibCheck: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const sym = checker.getSymbolAtLocation(program.getSourceFile(file)!);
  assert.ok(sym, `${file} is not a module`);
  return checker.getExportsOfModule(sym).map((s) => s.name);
}

for (const [entry, file] of [["flowmatch", "index.ts"], ["flowmatch/node", "node/index.ts"]] as const) {
  test(`${entry} exports at most ${LIMIT} names (values and types), the rest in namespaces`, async () => {
    const all = exportedNames(src(file));
    const values = Object.keys(await import(src(file)));
    assert.ok(values.length > 20, `${entry}: only ${values.length} runtime exports found`);
    for (const v of values) assert.ok(all.includes(v), `${entry}: runtime export ${v} unseen by the checker`);
    assert.ok(all.length <= LIMIT, `${entry} exports ${all.length} names (limit ${LIMIT}); move some into a namespace`);
  });
}

test("the namespaces hold what left the root: PNG internals, solver and pairing registries, every bijector", async () => {
  const m = await import(src("index.ts"));
  for (const internal of ["crc32", "paeth", "glyph", "rkStep", "solveAssignment", "Chain", "AffineCoupling", "mlpApply"]) {
    assert.equal(m[internal], undefined, `${internal} should not be at the root`);
  }
  assert.equal(typeof m.plot.crc32, "function");
  assert.equal(typeof m.solvers.rkStep, "function");
  assert.equal(typeof m.pairing.solveAssignment, "function");
  assert.equal(typeof m.flows.AffineCoupling, "function");
  assert.equal(typeof m.nets.mlpApply, "function");
  assert.equal(typeof m.training.makeObjective, "function");
  assert.equal(typeof m.fm.sample, "function");
  const node = await import(src("node/index.ts"));
  assert.equal(typeof node.files.writeFileAtomic, "function");
  assert.equal(typeof node.loadModel, "function");
});
