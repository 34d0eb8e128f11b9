// Every workflow type this package registers on a worker.
export * from './payment.js';
