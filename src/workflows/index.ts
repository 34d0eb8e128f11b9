// Every workflow type this package registers on a worker.
export * from './order-shipment.js';
export * from './authorization-hold.js';
export * from './payment.js';
