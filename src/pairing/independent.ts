/** Independent pairing: noise and data rows are paired as drawn (the plain flow-matching objective). */
import { batchSize, type Pairing } from "./pairing.js";

export const independent: Pairing = {
  name: "independent",
  pair(x0, x1, dim) {
    batchSize("independent pairing", x0, x1, dim);
    return { x0, x1 };
  },
};
