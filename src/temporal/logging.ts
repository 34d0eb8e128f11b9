/**
 * Quieter Temporal logging for local runs and tests: the worker's lifecycle chatter and webpack's
 * per-module report at INFO drown what matters; warnings and errors still show.
 */
import { DefaultLogger, Runtime, type Logger } from '@temporalio/worker';

/** Installs the SDK runtime with WARN-level logging. Call once, before any worker or connection. */
export function installQuietRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

/** A logger for `bundleWorkflowCode` that keeps only warnings and errors. */
export const quietBundlerLogger: Logger = new DefaultLogger('WARN');
