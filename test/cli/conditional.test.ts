// CLI for paths, couplings, conditioning, guidance and reflow: tiny runs end to end, and one-line errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

const { dir, cli } = cliSandbox("fm-cond-");

const oneLine = assertOneLineError;

test("conditional CSV: train with --cond, sample a label with guidance; missing column and unseen label are one-line errors", () => {
  const rows = ["x,y,cls"];
  for (let i = 0; i < 120; i++) rows.push(`${(i % 3) * 4 + Math.sin(i)},${Math.cos(i)},${(i % 3) + 1}`);
  writeFileSync(join(dir, "c.csv"), rows.join("\n") + "\n");
  let r = cli("train", "--data", "c.csv", "--cond", "cls", "--steps", "20", "--batch", "32", "--hidden", "16", "--out", "m", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("sample", "--model", "m", "--n", "10", "--label", "2", "--guidance", "1", "--method", "euler", "--steps", "4", "--out", "s.csv");
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n").length, 11);
  oneLine(cli("train", "--data", "c.csv", "--cond", "label", "--out", "m2", "-q"), /no column "label"; columns: x, y, cls/);
  oneLine(cli("sample", "--model", "m", "--label", "9"), /label "9" was not seen in training; known labels: 1, 2, 3/);
  oneLine(cli("train", "--data", "moons", "--coupling", "magic", "--out", "m3", "-q"), /unknown coupling "magic".*independent, ot, sinkhorn, sb/);
  oneLine(cli("train", "--data", "moons", "--path", "zigzag", "--out", "m3", "-q"), /unknown path "zigzag".*cosine/);
});

test("paths × couplings train from the CLI; reflow writes a straighter model", () => {
  let r = cli("train", "--data", "8gaussians", "--path", "cosine", "--coupling", "ot", "--steps", "30", "--batch", "64", "--hidden", "16,16", "--out", "p", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("reflow", "--model", "p", "--out", "p2", "--pairs", "200", "--steps", "20", "--batch", "64", "-q");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /straightness [-+0-9.e]+ → [-+0-9.e]+; saved p2/);
  r = cli("sample", "--model", "p2", "--n", "5", "--method", "euler", "--steps", "2");
  assert.equal(r.code, 0, r.err);
});
