/**
 * What an authorized payment does when nothing is queued, by its policy's deadlines: act on the
 * authorization's expiry, close once the reversal window is over, or wait for the next deadline. And
 * what follows a final shipment. Pure: the workflow's lifecycle loop asks, then acts.
 */
import { decideCancellation, isFullySettled, remainingToCapture, type Ledger } from './ledger.js';
import { reversalWindowEnd, type ResolvedPolicy } from './policy.js';

export interface Deadlines {
  /** Workflow time now. */
  now: number;
  policy: ResolvedPolicy;
  expiryHandled: boolean;
  /** When the uncaptured remainder is acted on. */
  expiryActionAt: number;
  /** When nothing remained to capture (first seen), if it has happened. */
  settledAt: number | undefined;
}

export type IdleStep =
  /** The expiry lead time has come with something uncaptured: cancel it, or only flag it. */
  | { act: 'expire'; how: 'cancel' | 'flag' }
  /** The reversal window is over: the lifecycle ends. */
  | { act: 'close'; settledAt: number }
  /** Nothing due: wait for a message or the next deadline. */
  | { act: 'wait'; until?: number; settledAt?: number };

export function idleStep(ledger: Ledger, d: Deadlines): IdleStep {
  if (!d.expiryHandled && remainingToCapture(ledger) > 0 && d.now >= d.expiryActionAt) {
    return { act: 'expire', how: d.policy.onAuthorizationExpiry };
  }
  let windowEnd: number | undefined;
  let settledAt = d.settledAt;
  if (isFullySettled(ledger)) {
    settledAt ??= d.now;
    windowEnd = reversalWindowEnd(ledger, settledAt, d.policy);
    if (d.now >= windowEnd) return { act: 'close', settledAt };
  }
  const deadlines = [
    windowEnd,
    !d.expiryHandled && remainingToCapture(ledger) > 0 ? d.expiryActionAt : undefined,
  ].filter((t): t is number => t !== undefined);
  return {
    act: 'wait',
    ...(deadlines.length > 0 && { until: Math.min(...deadlines) }),
    ...(settledAt !== undefined && { settledAt }),
  };
}

/**
 * After a capture: the order's last shipment (finalFulfilment) Completed with something left to
 * capture releases the rest; the follow-up cancellation's reference and description.
 */
export function finalFulfilmentCancellation(
  op: { kind: string; id: number; reference?: string; finalFulfilment?: boolean },
  resultState: string,
  ledger: Ledger | undefined,
): { reference: string; description: string } | undefined {
  if (op.kind !== 'capture' || !op.finalFulfilment || resultState !== 'Completed' || !ledger) return undefined;
  if (!decideCancellation(ledger).ok) return undefined;
  return {
    reference: `${op.reference ?? `operation-${op.id}`}:final-fulfilment`,
    description: 'Cancel rest after final fulfilment',
  };
}
