/** Name → toy distribution lookup, so the CLI and configs can refer to toys by the names the literature uses. */
import { DataError } from "../errors.js";
import { checkerboard } from "./checkerboard.js";
import { eightGaussians } from "./eight_gaussians.js";
import { gaussian } from "./gaussian.js";
import { circles, moons, pinwheel, rings, swissroll, twoSpirals } from "./shapes.js";
import type { ToyDistribution } from "./toy.js";

const TOYS: readonly ToyDistribution[] = [
  eightGaussians, checkerboard, moons, circles, twoSpirals, pinwheel, swissroll, rings, gaussian,
];
const BY_NAME = new Map(TOYS.map((t) => [t.name, t]));

/** Every registered toy name, FFJORD's first, then "gaussian". */
export const toyNames: readonly string[] = Object.freeze(TOYS.map((t) => t.name));

export function isToyName(name: string): boolean {
  return BY_NAME.has(name);
}

/** The toy called `name`; an unknown name throws a DataError that lists the valid ones. */
export function getToy(name: string): ToyDistribution {
  const toy = BY_NAME.get(name);
  if (toy === undefined) {
    throw new DataError(`unknown toy dataset "${name}"; expected one of: ${toyNames.join(", ")}`);
  }
  return toy;
}
