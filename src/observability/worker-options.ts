/**
 * What observability adds to a worker's options: the payment metrics on the runtime's metric meter
 * (the same Prometheus endpoint as the SDK's worker metrics, when the runtime serves one), the payment's
 * ids on every activity log line, and, with tracing, Temporal's OpenTelemetry interceptors and the
 * sink for the workflow's spans. Interceptors and sinks given in the worker's overrides are kept.
 */
import { Runtime, type WorkerOptions } from '@temporalio/worker';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { paymentLogContext } from './activity-context.js';
import { paymentMetrics, type PaymentMetrics } from './payment-metrics.js';

/** Where a worker's spans go (`startTracing()` gives both). */
export interface WorkerTracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
}

export interface WorkerObservabilityOptions {
  namespace: string;
  taskQueue: string;
  metrics?: PaymentMetrics;
  tracing?: WorkerTracing;
  /** The workflow code is bundled at start (not a bundle given or prebuilt): tracing adds its module. */
  bundlesAtStart: boolean;
  overrides?: Partial<WorkerOptions>;
}

export async function workerObservability(
  options: WorkerObservabilityOptions,
): Promise<{ metrics: PaymentMetrics } & Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const metrics =
    options.metrics ??
    paymentMetrics(
      Runtime.instance().metricMeter.withTags({ namespace: options.namespace, task_queue: options.taskQueue }),
    );
  const given = options.overrides?.interceptors ?? {};
  const activity = [paymentLogContext, ...(given.activity ?? [])];
  if (!options.tracing) {
    return {
      metrics,
      interceptors: { ...given, activity },
      ...(options.overrides?.sinks && { sinks: options.overrides.sinks }),
    };
  }
  const otel = await import('./worker-tracing.js');
  return {
    metrics,
    interceptors: {
      ...given,
      activity: [otel.tracingActivityInterceptors, ...activity],
      ...(options.bundlesAtStart && {
        workflowModules: [...(given.workflowModules ?? []), ...otel.tracingWorkflowInterceptorModules()],
      }),
    },
    sinks: { ...options.overrides?.sinks, ...otel.workflowSpanSinks(options.tracing) },
  };
}
