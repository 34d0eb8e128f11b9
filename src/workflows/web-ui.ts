/**
 * What the outside sees of a payment: the search attributes and Markdown details the Web UI shows
 * (kept up to date after every change) and the `state` query's answer, built field by field from the
 * contract's view types so that nothing internal leaks into the wire contract.
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import {
  CAPTURED_AMOUNT,
  INSTRUMENT,
  NEEDS_ATTENTION,
  ORDER_ID,
  PAYMENT_STATE,
  REMAINING_AMOUNT,
  OPERATION_MESSAGES,
  type LedgerView,
  type OperationKind,
  type OperationOutcome,
  type OperationView,
  type PaymentSummary,
  type PaymentWorkflowState,
} from '../contract/index.js';
import { referenceKey } from '../domain/references.js';
import { createLedger, remainingToCapture, remainingToReverse, type Ledger } from '../domain/ledger.js';
import { reversalWindowEnd } from '../domain/policy.js';
import { statusOf } from '../domain/status.js';
import { currentDetails, INSTRUMENT_LABEL } from '../domain/view.js';
import type { OperationRecord } from './carry.js';
import type { PaymentState } from './state.js';

/**
 * The Web UI follows the state: search attributes are upserted only when their values change (an
 * upsert is a command in history), the current details on every call.
 */
export function webUi(): (state: PaymentState) => void {
  let lastAttributes = '';
  return (state) => {
    const l = state.shownLedger();
    if (!l) return;
    const status = statusOf(l, state.authorization);
    const attributes = {
      status,
      // A payment order names its payment method once it is paid.
      instrument: state.paymentMethod ?? INSTRUMENT_LABEL[state.instrument],
      captured: l.captured,
      remaining: Math.max(0, remainingToCapture(l)),
      needsAttention: state.needsAttention,
    };
    const key = JSON.stringify(attributes);
    if (key !== lastAttributes) {
      lastAttributes = key;
      upsertSearchAttributes([
        { key: PAYMENT_STATE, value: status },
        { key: ORDER_ID, value: state.input.orderId },
        { key: INSTRUMENT, value: attributes.instrument },
        { key: CAPTURED_AMOUNT, value: attributes.captured },
        { key: REMAINING_AMOUNT, value: attributes.remaining },
        { key: NEEDS_ATTENTION, value: state.needsAttention },
      ]);
    }
    setCurrentDetails(
      currentDetails({
        orderId: state.input.orderId,
        instrument: state.instrument,
        ...(state.paymentMethod !== undefined && { paymentMethod: state.paymentMethod }),
        ledger: l,
        queue: state.queue,
        needsAttention: state.needsAttention,
        attentionReasons: state.attentionReasons,
        ...(state.authorization && { authorization: state.authorization }),
      }),
    );
  };
}

function ledgerView(l: Ledger): LedgerView {
  return {
    currency: l.currency,
    authorized: l.authorized,
    captured: l.captured,
    cancelled: l.cancelled,
    reversed: l.reversed,
    aborted: l.aborted,
    ...(l.authorizedByPayer !== undefined && { authorizedByPayer: l.authorizedByPayer }),
    ...(l.sale && { sale: true }),
    entries: l.entries.map((e) => ({ ...e })),
  };
}

function operationView(op: OperationRecord): OperationView {
  const { id, kind, source, status } = op;
  return {
    id,
    kind,
    source,
    ...(op.reference !== undefined && { reference: op.reference }),
    ...(op.payeeReference !== undefined && { payeeReference: op.payeeReference }),
    ...(op.amount !== undefined && { amount: op.amount }),
    ...(op.vatAmount !== undefined && { vatAmount: op.vatAmount }),
    ...(op.description !== undefined && { description: op.description }),
    ...(op.finalFulfilment !== undefined && { finalFulfilment: op.finalFulfilment }),
    ...(op.itemDescriptions !== undefined && { itemDescriptions: op.itemDescriptions }),
    ...(op.vatSummary !== undefined && { vatSummary: op.vatSummary }),
    ...(op.orderItems !== undefined && { orderItems: op.orderItems }),
    ...(op.receiptReference !== undefined && { receiptReference: op.receiptReference }),
    ...(op.comment !== undefined && { comment: op.comment }),
    status,
    ...(op.result !== undefined && { result: op.result }),
  };
}

/** The `state` query's answer. */
export function stateView(state: PaymentState): PaymentWorkflowState {
  // Until the payment has been read (only when the starter gave no amount), a placeholder ledger.
  const l = state.shownLedger() ?? createLedger('XXX', 1);
  const token = state.input.paymentToken;
  return {
    paymentId: state.input.paymentId,
    orderId: state.input.orderId,
    instrument: state.instrument,
    ...(state.paymentMethod !== undefined && { paymentMethod: state.paymentMethod }),
    status: statusOf(l, state.authorization),
    ...(state.authorization && { authorization: { ...state.authorization } }),
    ledger: ledgerView(l),
    remainingToCapture: Math.max(0, remainingToCapture(l)),
    remainingToReverse: Math.max(0, remainingToReverse(l)),
    queue: state.queue.map(operationView),
    recent: state.recent.map(operationView),
    needsAttention: state.needsAttention,
    attentionReasons: [...state.attentionReasons],
    rejectedSignals: [...state.rejectedSignals],
    ...(token && {
      paymentToken: {
        type: token.type,
        ...(token.token !== undefined && { last4: token.token.slice(-4) }),
        deleted: state.tokenDeleted,
      },
    }),
    ...(!token &&
      state.instrument === 'paymentorder' && { paymentToken: { type: 'all', deleted: state.tokenDeleted } }),
    authorizationExpiresAt: new Date(state.expiresAt).toISOString(),
    ...(state.settledAt !== undefined && {
      reversalWindowEndsAt: new Date(reversalWindowEnd(state.ledger, state.settledAt, state.policy)).toISOString(),
    }),
    callbacksReceived: state.callbacksReceived,
  };
}

/** What became of the operation requested under a reference (the `operation` query). */
export function outcomeOf(state: PaymentState, ref: unknown): OperationOutcome {
  if (typeof ref !== 'object' || ref === null) return { status: 'unknown' };
  const { kind, reference } = ref as { kind?: unknown; reference?: unknown };
  if (typeof reference !== 'string' || typeof kind !== 'string' || !(kind in OPERATION_MESSAGES)) {
    return { status: 'unknown' };
  }
  const result = state.references.get(referenceKey(kind as OperationKind, reference));
  if (result) return { status: 'done', result };
  if (result === null) return { status: 'running' };
  const signal = OPERATION_MESSAGES[kind as OperationKind].signal;
  const refused = [...state.rejectedSignals].reverse().find((r) => r.signal === signal && r.reference === reference);
  return refused ? { status: 'refused', code: refused.code, message: refused.message } : { status: 'unknown' };
}

/** What the workflow returns when the lifecycle ends. */
export function summaryOf(state: PaymentState, l: Ledger): PaymentSummary {
  return {
    paymentId: state.input.paymentId,
    orderId: state.input.orderId,
    status: statusOf(l, state.authorization),
    currency: l.currency,
    authorized: l.authorized,
    captured: l.captured,
    cancelled: l.cancelled,
    reversed: l.reversed,
    transactions: l.entries.length,
    tokenDeleted: state.tokenDeleted,
    needsAttention: state.needsAttention,
  };
}
