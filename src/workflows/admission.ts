/**
 * Admission of a request on arrival: against the ledger and the operations queued before it, or,
 * while the authorization is awaited, against what is held. Every operation is judged again, strictly,
 * when its turn comes.
 */
import type { Rejection } from '../contract/index.js';
import { decideHeldAdmission } from '../domain/authorization.js';
import { decideAdmission, type QueuedOperation, type TransactionKind } from '../domain/ledger.js';
import { jsonBytes } from '../domain/order-items.js';
import { CLOSED, type PaymentState } from './state.js';

const TOO_MANY: Rejection = {
  code: 'too-many-operations',
  message: 'this payment has taken as many operations as it can (999 at most, the last ten kept for its own)',
};

function queuedForAdmission(state: PaymentState): QueuedOperation[] {
  const queued: QueuedOperation[] = [];
  for (const op of state.queue) {
    if ((op.status !== 'queued' && op.status !== 'held') || op.kind === 'delete-token') continue;
    queued.push(op.amount !== undefined ? { kind: op.kind, amount: op.amount } : { kind: op.kind });
  }
  return queued;
}

/**
 * Ledger admission behind the queue; undefined (admitted) while the ledger is still being read at
 * start. While the authorization is awaited, everything held counts (token deletions and a running
 * abort too): an abort is accepted only with nothing else held, so it is always first.
 */
export function admit(
  state: PaymentState,
  kind: TransactionKind | 'abort',
  amount?: number,
  vatAmount?: number,
): Rejection | undefined {
  if (state.closing) return CLOSED;
  if (!state.hasRoomForOperation()) return TOO_MANY;
  if (state.awaitingAuthorization()) {
    // Amounts wait for the authorized amount; the announced one decides nothing.
    const held = decideHeldAdmission(
      state.queue.filter((op) => op.status !== 'done'),
      { kind, amount, vatAmount },
    );
    return held.ok ? undefined : held.rejection;
  }
  if (!state.ledger) return undefined;
  const decision = decideAdmission(state.ledger, queuedForAdmission(state), { kind, amount, vatAmount });
  return decision.ok ? undefined : decision.rejection;
}

/** A signal's admission on arrival once authorized: only whether a number is left for it (amounts wait for its turn). */
export function admitSignal(state: PaymentState): Rejection | undefined {
  return state.hasRoomForOperation() ? undefined : TOO_MANY;
}

/** Order lines of the operations waiting, at most (UTF-8 bytes as JSON): what a new run must carry stays well under 2 MB. */
export const QUEUED_LINES_LIMIT = 1024 * 1024;

/** The order or invoice lines a request carries, as they weigh in the state. */
function linesBytes(request: { orderItems?: unknown; itemDescriptions?: unknown }): number {
  return (
    (request.orderItems === undefined ? 0 : jsonBytes(request.orderItems)) +
    (request.itemDescriptions === undefined ? 0 : jsonBytes(request.itemDescriptions))
  );
}

/**
 * A request with lines waits only while the lines already waiting leave room for them (since the
 * bounded-requests change): the queue travels whole into a new run.
 */
export function admitLines(
  state: PaymentState,
  request: { orderItems?: unknown; itemDescriptions?: unknown },
): Rejection | undefined {
  const bytes = linesBytes(request);
  if (!state.bounded || bytes === 0) return undefined;
  const waiting = state.queue.reduce((sum, op) => sum + linesBytes(op), 0); // done ones have left the queue
  if (waiting + bytes <= QUEUED_LINES_LIMIT) return undefined;
  return {
    code: 'too-many-operations',
    message: `the order lines of the operations waiting are at their limit (${QUEUED_LINES_LIMIT} bytes): send it again once some are done`,
  };
}

/** Token deletions need a token and an open lifecycle. */
export function admitTokenDeletion(state: PaymentState): Rejection | undefined {
  if (state.closing) return CLOSED;
  if (!state.hasRoomForOperation()) return TOO_MANY;
  if (!state.hasTokenToDelete()) return { code: 'no-payment-token', message: 'this payment has no payment token' };
  return undefined;
}
