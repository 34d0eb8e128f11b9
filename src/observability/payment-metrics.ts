/**
 * The payment metrics a worker exposes, recorded by the activities only (never by the workflow, so a
 * replay after a cache eviction or a restart never counts twice), through the Temporal SDK's metric
 * meter: they come out of the same Prometheus endpoint as the SDK's own worker metrics.
 *
 *   swedbank_pay_operations_total{operation,result}            operations Swedbank Pay answered: completed,
 *                                                               failed (the transaction Failed: declined by
 *                                                               the acquirer), rejected (Swedbank Pay refused
 *                                                               the request, a 4xx problem: nothing created)
 *   swedbank_pay_request_duration_seconds{operation,status}    every HTTP request to Swedbank Pay
 *   swedbank_pay_outcome_unknown_total{operation}              transactions answered Initialized/AwaitingActivity
 *   swedbank_pay_outcome_unknown_duration_seconds{operation,result}  how long until their outcome was known
 *   swedbank_pay_payments_needing_attention                    open payments flagged (from visibility)
 *   swedbank_pay_payments_open                                 open payments (from visibility)
 *
 * An activity attempt whose answer was recorded but whose completion never reached Temporal (the
 * worker killed in between) is retried and may count once more: rare, and on the safe side for alerts.
 */
import type { MetricMeter } from '@temporalio/common';

export const METRICS = {
  operations: 'swedbank_pay_operations',
  requestDuration: 'swedbank_pay_request_duration_seconds',
  outcomeUnknown: 'swedbank_pay_outcome_unknown',
  outcomeUnknownDuration: 'swedbank_pay_outcome_unknown_duration_seconds',
  needingAttention: 'swedbank_pay_payments_needing_attention',
  open: 'swedbank_pay_payments_open',
} as const;

/** Histogram buckets (seconds), for the runtime's Prometheus exporter. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [METRICS.requestDuration]: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  [METRICS.outcomeUnknownDuration]: [1, 5, 15, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600],
};

/** What Swedbank Pay made of an operation. */
export type OperationResultLabel = 'completed' | 'failed' | 'rejected';

/** One HTTP request to Swedbank Pay, as the client reports it. */
export interface SwedbankPayRequestEvent {
  /** What was asked: `create-capture`, `get-payment`, `list-captures`, … */
  operation: string;
  method: string;
  /** The HTTP status, or how the request ended without one: `timeout`, `cancelled`, `network`. */
  status: number | 'timeout' | 'cancelled' | 'network';
  durationMs: number;
}

export interface PaymentMetrics {
  request(event: SwedbankPayRequestEvent): void;
  /** An operation (capture, cancellation, reversal, abort, delete-token) got its final answer. */
  operation(operation: string, outcome: OperationResultLabel): void;
  /** Swedbank Pay answered a transaction with an outcome not known yet. */
  outcomeUnknown(operation: string): void;
  /** A transaction whose outcome was unknown is final now, after `waitedSeconds`. */
  outcomeKnown(operation: string, outcome: 'completed' | 'failed', waitedSeconds: number): void;
  /** The counts of open payments, and of those flagged as needing attention, from visibility. */
  openPayments(open: number, needingAttention: number): void;
}

export const noPaymentMetrics: PaymentMetrics = {
  request: () => undefined,
  operation: () => undefined,
  outcomeUnknown: () => undefined,
  outcomeKnown: () => undefined,
  openPayments: () => undefined,
};

/** The payment metrics on a Temporal metric meter (the runtime's: `Runtime.instance().metricMeter`). */
export function paymentMetrics(meter: MetricMeter): PaymentMetrics {
  const operations = meter.createCounter(
    METRICS.operations,
    '',
    'Operations Swedbank Pay answered, by operation and result (completed, failed, rejected)',
  );
  const requestDuration = meter.createHistogram(
    METRICS.requestDuration,
    'float',
    '',
    'Requests to Swedbank Pay, by operation and HTTP status (or timeout, cancelled, network)',
  );
  const outcomeUnknown = meter.createCounter(
    METRICS.outcomeUnknown,
    '',
    'Transactions Swedbank Pay answered with an outcome not known yet (Initialized, AwaitingActivity)',
  );
  const outcomeUnknownDuration = meter.createHistogram(
    METRICS.outcomeUnknownDuration,
    'float',
    '',
    'How long a transaction outcome stayed unknown, from sending to the final answer',
  );
  const needingAttention = meter.createGauge(
    METRICS.needingAttention,
    'int',
    '',
    'Open payments flagged as needing attention (SwedbankPayNeedsAttention), from visibility',
  );
  const open = meter.createGauge(METRICS.open, 'int', '', 'Open payments on this task queue, from visibility');
  return {
    request: (e) =>
      requestDuration.record(e.durationMs / 1000, {
        operation: e.operation,
        method: e.method,
        status: String(e.status),
      }),
    operation: (operation, result) => operations.add(1, { operation, result }),
    outcomeUnknown: (operation) => outcomeUnknown.add(1, { operation }),
    outcomeKnown: (operation, result, waitedSeconds) =>
      outcomeUnknownDuration.record(Math.max(0, waitedSeconds), { operation, result }),
    openPayments: (count, flagged) => {
      open.set(count);
      needingAttention.set(flagged);
    },
  };
}
