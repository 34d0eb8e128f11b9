/**
 * What a worker needs to trace payments with Temporal's OpenTelemetry interceptors: activity
 * interceptors (a `RunActivity` span per attempt, joined to the workflow's trace through the
 * activity's headers, trace ids on the activity's log lines), the sink through which the workflow
 * isolate's spans reach the span processor, and the workflow interceptor module that must be bundled
 * into the workflow code (`lib/workflow-bundle-tracing.js`, or bundled at start).
 */
import { createRequire } from 'node:module';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The workflow interceptor module to bundle (`workflowInterceptorModules` of `bundleWorkflowCode`). */
export function tracingWorkflowInterceptorModules(): string[] {
  return [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
}

export const tracingActivityInterceptors: ActivityInterceptorsFactory = (ctx) => ({
  inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
  outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
});

/** The `exporter` sink the bundled workflow interceptors send their spans to. */
export function workflowSpanSinks(tracing: {
  spanProcessor: SpanProcessor;
  resource: Resource;
}): InjectedSinks<OpenTelemetrySinks> {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}
