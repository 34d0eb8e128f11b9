/**
 * Tracing for an OMS: the workflow client interceptor of Temporal's OpenTelemetry package puts the
 * caller's trace context into every start, signal and update, so the payment's workflow, its
 * activities and their requests to Swedbank Pay join the OMS's trace. It uses the OpenTelemetry SDK
 * the process registered (the OMS's own, or `startTracing` of this package's worker entry). Loaded
 * only when asked for: the client entry point loads nothing of OpenTelemetry otherwise.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';

export async function tracingClientInterceptors(): Promise<WorkflowClientInterceptor[]> {
  const { OpenTelemetryWorkflowClientInterceptor } =
    await import('@temporalio/interceptors-opentelemetry/lib/client/index.js');
  return [new OpenTelemetryWorkflowClientInterceptor()];
}
