/**
 * The worker settings the production worker (`swedbank-pay-temporal worker`) runs with, so that the
 * benchmark's workers measure what ships: the cache and task slots it derives from its memory
 * (WORKER_MEMORY_MB, the container's limit, or its default). Looked up at run time, so that the same
 * benchmark also measures a version of the code from before the worker sized itself (then the
 * Temporal SDK's defaults).
 */
import type { WorkerOptions } from '@temporalio/worker';
import * as config from '../../src/config/index.js';

type Tuning = { maxCachedWorkflows: number; maxConcurrentWorkflowTaskExecutions: number };

export function shippedWorkerOptions(): Partial<WorkerOptions> {
  const read = (config as Record<string, unknown>).workerTuningFromEnv as
    ((env: Record<string, string | undefined>) => Tuning) | undefined;
  if (!read) return {};
  const { maxCachedWorkflows, maxConcurrentWorkflowTaskExecutions } = read(process.env);
  return { maxCachedWorkflows, maxConcurrentWorkflowTaskExecutions };
}
