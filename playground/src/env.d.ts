/**
 * The core tests `typeof process` to tell Node from a browser (engine/jax.ts); its typings come from @types/node
 * there. The playground does not load Node's typings (so Node APIs in page code fail to type-check): this is the
 * one name it needs.
 */
declare var process: { versions?: { node?: string } } | undefined;
