/**
 * The callback receiver's metrics, in a prom-client registry of its own (the receiver is a separate
 * process without a Temporal worker runtime, so it cannot share the worker's endpoint):
 *
 *   swedbank_pay_callbacks_total{outcome,status}          every callback, by the receiver's answer
 *   swedbank_pay_callback_duration_seconds{outcome}       from the request to the answer (signalling included)
 *
 * and Node's process metrics (event loop lag, memory, CPU). Loaded only when metrics are asked for.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CallbackMetrics } from './handler.js';

export const CALLBACK_METRICS = {
  callbacks: 'swedbank_pay_callbacks_total',
  duration: 'swedbank_pay_callback_duration_seconds',
} as const;

export function callbackMetrics(registry: Registry = new Registry()): CallbackMetrics & { registry: Registry } {
  collectDefaultMetrics({ register: registry });
  const callbacks = new Counter({
    name: CALLBACK_METRICS.callbacks,
    help: "Swedbank Pay callbacks received, by the receiver's answer (outcome and HTTP status)",
    labelNames: ['outcome', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: CALLBACK_METRICS.duration,
    help: 'Time from a callback request to its answer, signalling the workflow included',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    answered(outcome, status, seconds) {
      callbacks.inc({ outcome, status: String(status) });
      duration.observe({ outcome }, seconds);
    },
  };
}

export interface CallbackMetricsServer {
  /** For the handler's `metrics` option. */
  metrics: CallbackMetrics;
  registry: Registry;
  /** The scrape URL, e.g. http://127.0.0.1:9465/metrics. */
  url: string;
  close(): Promise<void>;
}

/** The receiver's metrics and their Prometheus endpoint on `bindAddress` (host:port). */
export async function startCallbackMetricsServer(bindAddress: string): Promise<CallbackMetricsServer> {
  const metrics = callbackMetrics();
  const { startMetricsServer } = await import('../observability/metrics-server.js');
  const server = await startMetricsServer(bindAddress, metrics.registry);
  return { metrics, registry: metrics.registry, url: server.url, close: () => server.close() };
}
