/**
 * The Temporal runtime of a process: where the SDK's logs go, and its Prometheus endpoint.
 * `installRuntime` routes every SDK line (and the workflow's and activities' own) into the process's
 * structured logger and, when asked, serves the SDK's worker metrics and this package's payment
 * metrics on one Prometheus endpoint. `installQuietRuntime` is the quiet form for tests.
 */
import { DefaultLogger, Runtime, type Logger } from '@temporalio/worker';
import { loggerOf } from '../observability/logger.js';
import { HISTOGRAM_BUCKETS } from '../observability/payment-metrics.js';

/**
 * Warnings and errors of the SDK itself; of the workflows' and activities' own lines (the payment's
 * decisions, expected failures in tests) only errors.
 */
function quietLogger(): Logger {
  const sdk = new DefaultLogger('WARN');
  return loggerOf((level, message, meta) => {
    const component: unknown = meta?.sdkComponent;
    if ((component === 'workflow' || component === 'activity') && level !== 'ERROR') return;
    sdk.log(level, message, meta);
  });
}

/** Installs the SDK runtime with WARN-level logging. Call once, before any worker or connection. */
export function installQuietRuntime(): void {
  Runtime.install({
    logger: quietLogger(),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

/** A logger for `bundleWorkflowCode` that keeps only warnings and errors. */
export const quietBundlerLogger: Logger = new DefaultLogger('WARN');

export interface RuntimeSettings {
  /** Receives the SDK's lines, the workflow's `log` and the activities' `Context.current().log`. */
  logger: Logger;
  /** Only errors from the SDK's native core (LOG_LEVEL error or silent); otherwise its warnings too. */
  coreErrorsOnly?: boolean;
  /** Serve Prometheus metrics at `http://<bindAddress>/metrics` (e.g. `0.0.0.0:9464`). */
  metricsBindAddress?: string;
}

/**
 * Installs the runtime once per process, before any worker or connection. False when one is installed
 * already (by the embedding application): that one is kept, and the settings are not applied.
 */
export function installRuntime(settings: RuntimeSettings): boolean {
  if (Runtime._instance) return false;
  Runtime.install({
    logger: settings.logger,
    telemetryOptions: {
      // The native core's own lines come through the same logger, so every line has one shape.
      logging: { filter: { core: settings.coreErrorsOnly ? 'ERROR' : 'WARN', other: 'ERROR' }, forward: {} },
      ...(settings.metricsBindAddress !== undefined && {
        metrics: {
          prometheus: {
            bindAddress: settings.metricsBindAddress,
            countersTotalSuffix: true,
            useSecondsForDurations: true,
            histogramBucketOverrides: HISTOGRAM_BUCKETS,
          },
        },
      }),
    },
  });
  return true;
}
