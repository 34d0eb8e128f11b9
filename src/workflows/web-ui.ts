/**
 * What the outside sees of a payment: the search attributes and Markdown details the Web UI shows
 * (kept up to date after every change) and the `state` query's answer, built field by field from the
 * contract's view types so that nothing internal leaks into the wire contract.
 */
import { condition, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
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
import type { Features } from './patches.js';
import type { PaymentState } from './state.js';

/** The six search attributes as the workflow writes them. */
interface Attributes {
  status: string;
  orderId: string;
  instrument: string;
  captured: number;
  remaining: number;
  needsAttention: boolean;
}

function attributesOf(state: PaymentState, l: Ledger): Attributes {
  return {
    status: statusOf(l, state.authorization),
    orderId: state.input.orderId,
    // A payment order names its payment method once it is paid.
    instrument: state.paymentMethod ?? INSTRUMENT_LABEL[state.instrument],
    captured: l.captured,
    remaining: Math.max(0, remainingToCapture(l)),
    needsAttention: state.needsAttention,
  };
}

/** What the run started with (a client may set all six at start), so that the same values are not written again. */
function attributesAtStart(): Attributes | undefined {
  const sa = workflowInfo().typedSearchAttributes;
  const a = {
    status: sa.get(PAYMENT_STATE),
    orderId: sa.get(ORDER_ID),
    instrument: sa.get(INSTRUMENT),
    captured: sa.get(CAPTURED_AMOUNT),
    remaining: sa.get(REMAINING_AMOUNT),
    needsAttention: sa.get(NEEDS_ATTENTION),
  };
  return Object.values(a).every((v) => v !== undefined) ? (a as Attributes) : undefined;
}

function sameAttributes(a: Attributes | undefined, b: Attributes): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    a.orderId === b.orderId &&
    a.instrument === b.instrument &&
    a.captured === b.captured &&
    a.remaining === b.remaining &&
    a.needsAttention === b.needsAttention
  );
}

function details(state: PaymentState, l: Ledger): string {
  return currentDetails({
    orderId: state.input.orderId,
    instrument: state.instrument,
    ...(state.paymentMethod !== undefined && { paymentMethod: state.paymentMethod }),
    ledger: l,
    queue: state.queue,
    needsAttention: state.needsAttention,
    attentionReasons: state.attentionReasons,
    ...(state.authorization && { authorization: state.authorization }),
  });
}

/** How the Web UI follows the state: `show` after a change, `showNow` before the run ends. */
export interface WebUi {
  show(state: PaymentState): void;
  showNow?(state: PaymentState): void;
}

/**
 * The Web UI follows the state. With `leanCommands`, what changed during a workflow task is shown
 * once, when the workflow waits again (a condition the SDK checks after the task's code has run, before
 * the task completes) or right before the run ends: the search attributes only when their values
 * differ from what was written last (or set at start), and not for the hold of a request still in
 * flight unless needsAttention changed, which shows at once. Earlier runs: search attributes upserted
 * on every change of their values, the current details on every call.
 */
export function webUi(features?: Pick<Features, 'leanCommands'>): WebUi {
  return features?.leanCommands ? leanWebUi() : { show: eagerWebUi() };
}

function leanWebUi(): WebUi {
  let written = attributesAtStart();
  let changed: PaymentState | undefined;
  const flush = () => {
    const state = changed;
    changed = undefined;
    const l = state?.shownLedger();
    if (!state || !l) return;
    const attributes = attributesOf(state, l);
    const attention = written?.needsAttention !== attributes.needsAttention;
    if (!sameAttributes(written, attributes) && (!state.requestInFlight || attention)) {
      written = attributes;
      upsertSearchAttributes([
        { key: PAYMENT_STATE, value: attributes.status },
        { key: ORDER_ID, value: attributes.orderId },
        { key: INSTRUMENT, value: attributes.instrument },
        { key: CAPTURED_AMOUNT, value: attributes.captured },
        { key: REMAINING_AMOUNT, value: attributes.remaining },
        { key: NEEDS_ATTENTION, value: attributes.needsAttention },
      ]);
    }
    setCurrentDetails(details(state, l));
  };
  void (async () => {
    for (;;) {
      await condition(() => changed !== undefined);
      flush();
    }
  })();
  return {
    show(state) {
      changed = state;
    },
    showNow(state) {
      changed = state;
      flush();
    },
  };
}

function eagerWebUi(): (state: PaymentState) => void {
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
    setCurrentDetails(details(state, l));
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
  if (typeof reference !== 'string' || typeof kind !== 'string' || !Object.hasOwn(OPERATION_MESSAGES, kind)) {
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
