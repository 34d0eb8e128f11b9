/**
 * The worker settings the production worker (`swedbank-pay-temporal worker`) runs with, so that the
 * benchmark's workers measure what ships: today the Temporal SDK's defaults.
 */
import type { WorkerOptions } from '@temporalio/worker';

export function shippedWorkerOptions(): Partial<WorkerOptions> {
  return {};
}
