/**
 * The fault run's judgement of one payment: its workflow ledger against the emulator's, entry by
 * entry, and both against what the OMS asked for (minus what it was refused with a typed error).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PaymentsClient } from '../../src/client/payments-client.js';
import type { PaymentWorkflowState } from '../../src/contract/index.js';
import type { EmulatorAdmin } from '../../src/emulator/admin-client.js';

export interface Asked {
  paymentId: string;
  authorized: number;
  operations: {
    kind: 'capture' | 'cancellation' | 'reversal';
    amount: number | undefined;
    /** Waited for and answered, handed over as an event, or refused with a typed error. */
    answer: 'answered' | 'handed-over' | 'refused';
    result?: unknown;
    error?: string;
  }[];
}

export interface Verdict {
  paymentId: string;
  problems: string[];
  /** Transactions at Swedbank Pay beyond what was asked. */
  duplicates: number;
  /** Entries or totals where the workflow, the emulator and the request disagree. */
  differences: number;
  stuck: boolean;
}

const SETTLE_ATTEMPTS = 300;

/** The payment's state once nothing is queued or pending, or the last one seen (stuck). */
async function settled(
  paymentId: string,
  payments: PaymentsClient,
): Promise<{ state?: PaymentWorkflowState; stuck: boolean }> {
  let last: PaymentWorkflowState | undefined;
  for (let i = 0; i < SETTLE_ATTEMPTS; i++) {
    try {
      last = await payments.state(paymentId);
      const busy = last.queue.length > 0 || last.ledger.entries.some((e) => e.state === 'Pending');
      if (!busy) return { state: last, stuck: false };
    } catch {
      // The server or a worker may still be coming back.
    }
    await sleep(500);
  }
  return { ...(last && { state: last }), stuck: true };
}

/** What the ledger should hold: each operation the OMS was not refused, in the order it asked. */
function expectedTotals(asked: Asked): {
  captured: number;
  cancelled: number;
  reversed: number;
  count: Record<string, number>;
} {
  const totals = {
    captured: 0,
    cancelled: 0,
    reversed: 0,
    count: { Capture: 0, Cancellation: 0, Reversal: 0 } as Record<string, number>,
  };
  for (const op of asked.operations) {
    if (op.answer === 'refused') continue;
    if (op.kind === 'capture') {
      totals.captured += op.amount ?? 0;
      totals.count.Capture!++;
    } else if (op.kind === 'cancellation') {
      totals.cancelled += asked.authorized - totals.captured;
      totals.count.Cancellation!++;
    } else {
      totals.reversed += op.amount ?? 0;
      totals.count.Reversal!++;
    }
  }
  return totals;
}

export async function checkPayment(asked: Asked, payments: PaymentsClient, admin: EmulatorAdmin): Promise<Verdict> {
  const verdict: Verdict = { paymentId: asked.paymentId, problems: [], duplicates: 0, differences: 0, stuck: false };
  const { state, stuck } = await settled(asked.paymentId, payments);
  verdict.stuck = stuck;
  if (stuck)
    verdict.problems.push(
      `stuck: ${JSON.stringify({ queue: state?.queue.map((o) => o.kind), ledger: state?.ledger.entries.map((e) => e.state) })}`,
    );
  if (!state) return verdict;
  const psp = await admin.payment(asked.paymentId);
  const afterPayment = psp.transactions.filter((t) => t.type !== 'Authorization' && t.state === 'Completed');
  const expected = expectedTotals(asked);
  for (const type of ['Capture', 'Cancellation', 'Reversal']) {
    const extra = afterPayment.filter((t) => t.type === type).length - (expected.count[type] ?? 0);
    if (extra > 0) {
      verdict.duplicates += extra;
      verdict.problems.push(`${extra} ${type} more at Swedbank Pay than asked`);
    }
  }
  const byReference = new Map(psp.transactions.map((t) => [t.payeeReference, t]));
  for (const entry of state.ledger.entries) {
    const t = byReference.get(entry.payeeReference);
    if (!t || t.amount !== entry.amount || t.state !== entry.state) {
      verdict.differences++;
      verdict.problems.push(
        `${entry.kind} ${entry.payeeReference}: workflow ${entry.amount} ${entry.state}, emulator ${t ? `${t.amount} ${t.state}` : 'none'}`,
      );
    }
  }
  const totals = {
    captured: state.ledger.captured,
    cancelled: state.ledger.cancelled,
    reversed: state.ledger.reversed,
  };
  const pspTotals = { captured: psp.totals.captured, cancelled: psp.totals.cancelled, reversed: psp.totals.reversed };
  const asks = { captured: expected.captured, cancelled: expected.cancelled, reversed: expected.reversed };
  for (const [name, value] of [
    ['emulator', pspTotals],
    ['request', asks],
  ] as const) {
    if (JSON.stringify(totals) !== JSON.stringify(value)) {
      verdict.differences++;
      verdict.problems.push(`totals: workflow ${JSON.stringify(totals)}, ${name} ${JSON.stringify(value)}`);
    }
  }
  return verdict;
}
