import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../../src/node/checkpoint-dir.js";

test("writeFileAtomic creates the directory, replaces the file, and leaves no temp sibling", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-atomic-"));
  try {
    const file = join(dir, "sub", "out.csv");
    writeFileAtomic(file, "a,b\n1,2\n");
    writeFileAtomic(file, new Uint8Array([104, 105]));
    assert.equal(readFileSync(file, "utf8"), "hi");
    assert.deepEqual(readdirSync(join(dir, "sub")), ["out.csv"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
