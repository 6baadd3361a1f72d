/**
 * One error class per kind of misuse. Messages say what was expected and where (file:row:column); the CLI prints
 * `error.message` alone and exits 2 for any `FlowmatchError`, 3 for a `NumericalError` (NaN/Inf, divergence).
 */
export class FlowmatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Bad input data: a CSV cell, an unknown dataset name, a ragged row. */
export class DataError extends FlowmatchError {}
/** An array of the wrong shape or dimension (e.g. a checkpoint of another dimension). */
export class ShapeError extends FlowmatchError {}
/** A checkpoint directory that is missing, incomplete or corrupt. */
export class CheckpointError extends FlowmatchError {}
/** A bad option value (unknown solver, negative steps, …). */
export class OptionError extends FlowmatchError {}
/** An output path that cannot be written (an empty name, a folder where a file goes, no permission, disk full). */
export class OutputError extends FlowmatchError {}
/** A numerical failure: NaN or ±Inf where a finite number was needed. The CLI exits 3 for these. */
export class NumericalError extends FlowmatchError {}
/** Training diverged: the loss became NaN or ±Inf (most often a learning rate too high for the model or data). */
export class DivergenceError extends NumericalError {}
