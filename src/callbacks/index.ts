// The callback receiver: a request handler to mount anywhere, a standalone server and its configuration.
export {
  createCallbackHandler,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SIGNAL_TIMEOUT_MS,
  type CallbackHandler,
  type CallbackHandlerOptions,
  type CallbackLogger,
  type CallbackMetrics,
  type CallbackOutcome,
} from './handler.js';
export {
  startCallbackServer,
  DEFAULT_CALLBACK_HOST,
  DEFAULT_CALLBACK_PATH,
  DEFAULT_CALLBACK_PORT,
  HEALTH_PATH,
  type CallbackServerOptions,
  type RunningCallbackServer,
} from './server.js';
export { callbackReceiverConfigFromEnv, type CallbackReceiverConfig } from './config.js';
export { createIpAllowlist, senderAddress, type IpAllowlist } from './ip-allowlist.js';
export { startCallbackMetrics, type CallbackMetricsServer } from './observability.js';
