// Observability for the worker and the other services: structured logs, the Temporal runtime with a
// Prometheus endpoint, payment metrics, and OpenTelemetry tracing (loaded only when started).
import type { Tracing, TracingOptions } from './tracing.js';

export {
  createLogger,
  logSettingsFromEnv,
  neverLog,
  temporalLogger,
  LOG_FORMATS,
  LOG_LEVELS,
  type AppLogger,
  type LogFormat,
  type LogLevelName,
  type LogSettings,
} from './logger.js';
export { installRuntime, type RuntimeSettings } from '../temporal/logging.js';
export {
  paymentMetrics,
  noPaymentMetrics,
  METRICS,
  HISTOGRAM_BUCKETS,
  type PaymentMetrics,
  type OperationResultLabel,
} from './payment-metrics.js';
export { countPaymentsPeriodically, type PaymentCountsOptions } from './payment-counts.js';
export { paymentLogContext } from './activity-context.js';
export type { WorkerTracing } from './worker-options.js';
export type { Tracing, TracingOptions } from './tracing.js';
export { tracingFromEnv, workerObservabilityFromEnv, type WorkerObservability } from '../config/observability.js';

/**
 * Starts OpenTelemetry tracing for this process (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, or the
 * exporter given); pass the result as `createWorker({ tracing })`. Loads OpenTelemetry's SDK.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  return (await import('./tracing.js')).startTracing(options);
}
