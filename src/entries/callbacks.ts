// swedbank-pay-temporal/callbacks: the callback receiver, Swedbank Pay's callbacks as signals to payment
// workflows: a request handler to mount in any server, a standalone server and its settings.
export * from '../callbacks/index.js';
