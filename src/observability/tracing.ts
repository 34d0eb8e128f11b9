/**
 * OpenTelemetry tracing for a process of this package, exported by OTLP/HTTP: on when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, off otherwise (see
 * src/config/observability.ts). The exporter reads the usual OTEL_EXPORTER_OTLP_* variables (endpoint,
 * headers, timeout) and the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. Loaded only when
 * tracing is on: nothing of OpenTelemetry's SDK is loaded otherwise.
 *
 * One provider per process, registered globally with an AsyncLocalStorage context manager, so that
 * Temporal's OpenTelemetry interceptors (client, workflow, activity) and the Swedbank Pay client's
 * request spans all join the caller's trace.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  /** Where spans go: workflow spans from the worker's sink are handed to it too. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is buffered and stops; call before the process exits. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** service.name unless OTEL_SERVICE_NAME says otherwise, e.g. `swedbank-pay-worker`. */
  serviceName: string;
  /** Default: OTLP/HTTP to the endpoint of the OTEL_EXPORTER_OTLP_* variables. */
  exporter?: SpanExporter;
}

let running: Tracing | undefined;

/** Starts tracing for this process (once: a second call returns the first one's). */
export function startTracing(options: TracingOptions): Tracing {
  if (running) return running;
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': options.serviceName }))
    .merge(envDetectorSync.detect());
  const spanProcessor = new BatchSpanProcessor(options.exporter ?? new OTLPTraceExporter());
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const started: Tracing = {
    spanProcessor,
    resource,
    async shutdown() {
      if (running !== started) return;
      running = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  running = started;
  return started;
}
