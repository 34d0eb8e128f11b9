/**
 * The wire contract in one module: names, the workflow input, messages, the state view, rejection
 * codes and search attributes. Depends on nothing of this package, only on Temporal's `define*`
 * helpers, so the workflow, the activities, the OMS client and the CLI all import it.
 */
export * from './names.js';
export * from './input.js';
export * from './messages.js';
export * from './rejections.js';
export * from './search-attributes.js';
