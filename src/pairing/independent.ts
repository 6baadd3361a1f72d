/** Independent coupling: noise and data rows are paired as drawn (the plain flow-matching objective). */
import { batchSize, type Coupling } from "./coupling.js";

export const independent: Coupling = {
  name: "independent",
  pair(x0, x1, dim) {
    batchSize("independent coupling", x0, x1, dim);
    return { x0, x1 };
  },
};
