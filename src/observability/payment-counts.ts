/**
 * Open payments and those that need attention, counted in Temporal's visibility store (the
 * SwedbankPayNeedsAttention search attribute the workflow keeps) and set as gauges. "Needs attention"
 * is a fact of the workflow, which emits no metric (a replay would count it again): visibility is
 * where it already is, exactly once per payment, whichever worker ran it. Every worker of a task queue
 * reports the same counts, so dashboards take their max.
 */
import { Client, type ConnectionLike } from '@temporalio/client';
import { listQuery } from '../client/listing.js';
import type { Logger } from '@temporalio/common';
import type { PaymentMetrics } from './payment-metrics.js';

export interface PaymentCountsOptions {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  metrics: PaymentMetrics;
  intervalMs: number;
  logger: Logger;
}

/** `… AND TaskQueue = 'q'`: this worker's payments only. */
function onTaskQueue(query: string, taskQueue: string): string {
  return `${query} AND TaskQueue = '${taskQueue.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Counts now and then every `intervalMs` until `stop()`; a failed count is logged, the gauges kept. */
export function countPaymentsPeriodically(options: PaymentCountsOptions): { stop(): void; counted: Promise<void> } {
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const open = onTaskQueue(listQuery({}), options.taskQueue);
  const flagged = onTaskQueue(listQuery({ needsAttention: true }), options.taskQueue);
  let failing = false;
  const count = async () => {
    try {
      const [all, attention] = await Promise.all([client.workflow.count(open), client.workflow.count(flagged)]);
      options.metrics.openPayments(all.count, attention.count);
      if (failing) options.logger.info('counting payments in visibility works again');
      failing = false;
    } catch (err) {
      if (!failing) {
        options.logger.warn('cannot count payments in visibility; the payment gauges keep their last values', {
          error: err,
        });
      }
      failing = true;
    }
  };
  const counted = count();
  const timer = setInterval(() => void count(), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), counted };
}
