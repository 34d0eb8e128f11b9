/**
 * The callback receiver's metrics endpoint, loaded on demand: prom-client is imported only by a
 * receiver that serves metrics.
 */
import type { CallbackMetricsServer } from './metrics.js';

export type { CallbackMetricsServer } from './metrics.js';

/**
 * Counts the receiver's answers (`swedbank_pay_callbacks_total{outcome,status}`, their latency, and
 * Node's process metrics) and serves them at `http://<bindAddress>/metrics`. Pass `.metrics` to
 * `createCallbackHandler` or `startCallbackServer`.
 */
export async function startCallbackMetrics(bindAddress: string): Promise<CallbackMetricsServer> {
  return (await import('./metrics.js')).startCallbackMetricsServer(bindAddress);
}
