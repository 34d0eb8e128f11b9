/**
 * Observability settings from the environment, all off by default:
 *   WORKER_METRICS_ADDRESS                   host:port of the worker's Prometheus endpoint (/metrics)
 *   WORKER_METRICS_VISIBILITY_POLL_MS        how often the worker counts open and flagged payments (60000; 0: never)
 *   SWEDBANK_PAY_CALLBACK_METRICS_ADDRESS    host:port of the callback receiver's Prometheus endpoint
 *   OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   traces exported by OTLP/HTTP when set
 *   OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none                  tracing off all the same
 * This module imports nothing, so the client entry point can ask whether tracing is on without
 * loading OpenTelemetry.
 */
import { ConfigurationError } from './errors.js';

type Env = Record<string, string | undefined>;

const DEFAULT_VISIBILITY_POLL_MS = 60_000;
const MAX_VISIBILITY_POLL_MS = 3_600_000;

/** Problems with a `host:port` to bind a metrics endpoint to (IPv6 in brackets: `[::]:9464`). */
export function bindAddressProblems(name: string, value: string): string[] {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 1 && port <= 65_535)) {
    return [`${name} must be host:port to listen on (e.g. 0.0.0.0:9464 or 127.0.0.1:9464), got "${value}"`];
  }
  return [];
}

/** Whether traces are to be exported: an OTLP endpoint is set and OpenTelemetry is not turned off. */
export function tracingFromEnv(env: Env = process.env): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return false;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() !== 'none';
}

export interface WorkerObservability {
  /** Serve Prometheus metrics here; absent: no metrics endpoint. */
  metricsBindAddress?: string;
  /** How often open and flagged payments are counted in visibility (0: never); only with metrics. */
  visibilityPollMs: number;
  tracing: boolean;
}

export function workerObservabilityFromEnv(env: Env = process.env): WorkerObservability {
  const problems: string[] = [];
  const address = env.WORKER_METRICS_ADDRESS?.trim() || undefined;
  if (address !== undefined) problems.push(...bindAddressProblems('WORKER_METRICS_ADDRESS', address));
  const rawPoll = env.WORKER_METRICS_VISIBILITY_POLL_MS?.trim();
  let visibilityPollMs = DEFAULT_VISIBILITY_POLL_MS;
  if (rawPoll !== undefined && rawPoll !== '') {
    visibilityPollMs = /^\d{1,7}$/.test(rawPoll) ? Number(rawPoll) : NaN;
    if (!(visibilityPollMs === 0 || (visibilityPollMs >= 1_000 && visibilityPollMs <= MAX_VISIBILITY_POLL_MS))) {
      problems.push(
        `WORKER_METRICS_VISIBILITY_POLL_MS must be 0 (off) or from 1000 to ${MAX_VISIBILITY_POLL_MS} ms, got "${rawPoll}"`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    ...(address !== undefined && { metricsBindAddress: address }),
    visibilityPollMs,
    tracing: tracingFromEnv(env),
  };
}

/** The callback receiver's metrics endpoint, if asked for. */
export function callbackMetricsAddressFromEnv(env: Env = process.env): string | undefined {
  const address = env.SWEDBANK_PAY_CALLBACK_METRICS_ADDRESS?.trim() || undefined;
  if (address === undefined) return undefined;
  const problems = bindAddressProblems('SWEDBANK_PAY_CALLBACK_METRICS_ADDRESS', address);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return address;
}
