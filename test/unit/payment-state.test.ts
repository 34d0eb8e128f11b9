// The payment workflow's decisions without a Temporal server: the state object (admission, queueing,
// references, flags, the carry into the next run), the operation query's answers, and the lifecycle's
// choice when nothing is queued (expiry, reversal window, close).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureSignal, type PaymentWorkflowInput } from '../../src/contract/index.js';
import { createLedger, beginTransaction, settleTransaction } from '../../src/domain/ledger.js';
import { finalFulfilmentCancellation, idleStep } from '../../src/domain/lifecycle.js';
import { maxSequence } from '../../src/domain/payee-reference.js';
import { resolvePolicy } from '../../src/domain/policy.js';
import { admit, admitLines, admitTokenDeletion, QUEUED_LINES_LIMIT } from '../../src/workflows/admission.js';
import { operationMessages } from '../../src/workflows/operation-messages.js';
import { PaymentState } from '../../src/workflows/state.js';
import { outcomeOf, summaryOf } from '../../src/workflows/web-ui.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 27);
const INPUT: PaymentWorkflowInput = {
  paymentId: '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c',
  orderId: '1001',
  currency: 'SEK',
  authorizedAmount: 100_000,
  paymentToken: { token: 'tok-1', type: 'PaymentToken' },
};

function newState(input: Partial<PaymentWorkflowInput> = {}) {
  let now = START;
  const shown: string[] = [];
  const state = new PaymentState(
    { ...INPUT, ...input },
    { now: () => now, show: (s) => shown.push(s.ledger ? 'ledger' : 'none') },
  );
  return { state, shown, advance: (ms: number) => (now += ms) };
}

describe('payment state', () => {
  it('admits against the ledger and what is queued before: a second capture may not take what the first holds', () => {
    const { state } = newState();
    assert.equal(admit(state, 'capture', 60_000, 0), undefined);
    state.enqueue('capture', 'update', { amount: 60_000, vatAmount: 0, reference: 'S1' });
    assert.equal(admit(state, 'capture', 50_000, 0)?.code, 'exceeds-remaining-capture');
    assert.equal(admit(state, 'reversal', 60_000, 0), undefined, 'a return of the queued shipment is fine');
    assert.equal(admit(state, 'abort')?.code, 'abort-not-allowed', 'no abort behind a queued capture');
    state.closing = true;
    assert.equal(admit(state, 'capture', 1, 0)?.code, 'payment-closed');
    assert.equal(admitTokenDeletion(state)?.code, 'payment-closed');
  });

  it('holds requests while the authorization is awaited, judging only their shape and an abort', () => {
    const { state } = newState({ awaitAuthorization: true });
    assert.equal(state.awaitingAuthorization(), true);
    assert.equal(admit(state, 'capture', 10_000_000, 0), undefined, 'no amount is judged before the authorization');
    const op = state.enqueue('capture', 'signal', { amount: 1_000, vatAmount: 0, reference: 'S1' });
    assert.equal(op.status, 'held');
    assert.equal(admit(state, 'abort')?.code, 'abort-not-allowed', 'an abort only alone');
  });

  it("fixes each transaction's payeeReference when it is queued, and keeps references per kind", () => {
    const { state } = newState();
    const capture = state.enqueue('capture', 'update', { amount: 1_000, vatAmount: 0, reference: 'X-1' });
    const reversal = state.enqueue('reversal', 'update', { amount: 1_000, vatAmount: 0, reference: 'X-1' });
    assert.match(capture.payeeReference ?? '', /^C[0-9a-z]{25}1$/);
    assert.match(reversal.payeeReference ?? '', /^R[0-9a-z]{25}2$/);
    assert.equal(state.seenBefore('capture', { reference: 'X-1', amount: 1_000, vatAmount: 0 }), true);
    const reused = state.seenBefore('capture', { reference: 'X-1', amount: 2_000, vatAmount: 0 });
    assert.equal(typeof reused === 'object' && reused.code, 'reference-reused');
    assert.deepEqual(outcomeOf(state, { kind: 'capture', reference: 'X-1' }), { status: 'running' });
    state.retire(capture, { operationId: 1, kind: 'capture', reference: 'X-1', state: 'Completed', amount: 1_000 });
    assert.equal(outcomeOf(state, { kind: 'capture', reference: 'X-1' }).status, 'done');
    assert.deepEqual(outcomeOf(state, 'garbage'), { status: 'unknown' });
  });

  it('keeps the last operation numbers for its own cancellations: signals past the room are refused, never thrown', () => {
    const { state } = newState({ policy: { payeeReference: { format: 'digits', prefix: '4711' } } });
    const last = maxSequence(state.policy.payeeReference);
    const capture = operationMessages(state).find((m) => m.signal === captureSignal)!.asSignal;
    state.nextOperationId = last - 10;
    assert.equal(capture.admission({ amount: 1, vatAmount: 0 }), undefined, 'the last number for requests');
    state.nextOperationId = last - 9;
    assert.equal(capture.admission({ amount: 1, vatAmount: 0 })?.code, 'too-many-operations');
    // The workflow's own cancellation takes a kept number, and with none left it is flagged, not thrown.
    assert.equal(state.enqueuePolicy('cancellation', { reference: 'authorization-expiry' }), true);
    state.nextOperationId = last + 1;
    assert.equal(state.enqueuePolicy('cancellation', { reference: 'authorization-expiry' }), false);
    assert.equal(state.needsAttention, true);
    assert.match(state.attentionReasons.at(-1) ?? '', /no operation number left for the cancellation/);
  });

  it('takes at most 999 operations under either scheme, so that what it keeps per operation stays bounded', () => {
    const { state } = newState();
    assert.ok(maxSequence(state.policy.payeeReference) > 999, 'the alphanumeric scheme could number more');
    state.nextOperationId = 990;
    assert.equal(admit(state, 'capture', 1, 0)?.code, 'too-many-operations');
    assert.equal(state.enqueuePolicy('cancellation', { reference: 'authorization-expiry' }), true);
  });

  it('carries done operations without their order lines; queued ones keep theirs', () => {
    const { state } = newState({ paymentId: '/psp/paymentorders/5adc265f-f87f-4313-577e-08d3dca1a26c' });
    const lines = [{ reference: 'P1', name: 'P', type: 'PRODUCT' as const, class: 'C', quantity: 1 }];
    const fields = { amount: 1_000, vatAmount: 0, orderItems: lines as never };
    const done = state.enqueue('capture', 'update', { ...fields, reference: 'S1' });
    state.retire(done, { operationId: done.id, kind: 'capture', reference: 'S1', state: 'Completed', amount: 1_000 });
    state.enqueue('capture', 'update', { ...fields, reference: 'S2' });
    const carried = state.carry();
    assert.equal(carried.recent[0]?.orderItems, undefined);
    assert.equal(carried.recent[0]?.reference, 'S1');
    assert.deepEqual(carried.queue[0]?.orderItems, lines);
    assert.deepEqual(state.recent[0]?.orderItems, lines, 'this run still shows them');
  });

  it('keeps, for runs from before the bounded-requests change, the limits and the carry they ran with', () => {
    const { state } = newState({ policy: { payeeReference: { format: 'digits', prefix: '4711' } } });
    state.bounded = false;
    const capture = operationMessages(state).find((m) => m.signal === captureSignal)!.asSignal;
    state.nextOperationId = maxSequence(state.policy.payeeReference) - 5;
    assert.equal(capture.admission({ amount: 1, vatAmount: 0 }), undefined, 'judged at its turn, as then');
    const alphanumeric = newState().state;
    alphanumeric.bounded = false;
    alphanumeric.nextOperationId = 990;
    assert.equal(admit(alphanumeric, 'capture', 1, 0), undefined, 'no cap of 999 then');
    const lines = [{ reference: 'P1' }] as never;
    const done = alphanumeric.enqueue('capture', 'update', { amount: 1, vatAmount: 0, orderItems: lines });
    alphanumeric.retire(done, { operationId: done.id, kind: 'capture', state: 'Completed', amount: 1 });
    assert.deepEqual(alphanumeric.carry().recent[0]?.orderItems, lines);
  });

  it('lets order lines wait only up to a budget, so that the queue a new run carries stays small', () => {
    const { state } = newState({ paymentId: '/psp/paymentorders/5adc265f-f87f-4313-577e-08d3dca1a26c' });
    const lines = (bytes: number) => [{ reference: 'P1', name: 'x'.repeat(bytes) }] as never;
    const big = { amount: 1, vatAmount: 0, orderItems: lines(QUEUED_LINES_LIMIT / 2) };
    assert.equal(admitLines(state, big), undefined);
    state.enqueue('capture', 'signal', { ...big, reference: 'S1' });
    assert.equal(admitLines(state, big)?.code, 'too-many-operations', 'two halves and their JSON exceed it');
    assert.equal(admitLines(state, {}), undefined, 'a request without lines still waits');
    state.bounded = false;
    assert.equal(admitLines(state, big), undefined, 'runs from before the change replay as they ran');
  });

  it('answers a refused signal by its reference, and flags the payment', () => {
    const { state } = newState();
    state.rejectSignal('captureRequested', { code: 'invalid-amount', message: 'no' }, 'ship-9');
    assert.deepEqual(outcomeOf(state, { kind: 'capture', reference: 'ship-9' }), {
      status: 'refused',
      code: 'invalid-amount',
      message: 'no',
    });
    assert.equal(state.needsAttention, true);
    for (let i = 0; i < 100; i++) state.flag(`reason ${i}`);
    assert.equal(state.attentionReasons.length, 20, 'reasons are bounded');
  });

  it('carries everything a new run needs, and a carried state restarts as it was', () => {
    const { state, advance } = newState();
    const op = state.enqueue('capture', 'signal', { amount: 1_000, vatAmount: 0, reference: 'S1' });
    state.ledger = beginTransaction(state.ledger!, {
      kind: 'capture',
      payeeReference: op.payeeReference!,
      amount: 1_000,
      vatAmount: 0,
    });
    op.status = 'running';
    op.progress = { sentAt: new Date(START).toISOString() };
    advance(DAY);
    const carried = JSON.parse(JSON.stringify(state.carry())) as ReturnType<PaymentState['carry']>;
    const next = new PaymentState(INPUT, { now: () => START + DAY, show: () => undefined }, carried);
    assert.equal(next.queue[0]?.status, 'running');
    assert.deepEqual(next.queue[0]?.progress, op.progress, 'the operation resumes where it stood');
    assert.equal(next.nextOperationId, 2);
    assert.equal(next.startedAt, new Date(START).toISOString(), 'the expiry does not move');
    assert.equal(next.expiresAt, state.expiresAt);
    assert.equal(next.seenBefore('capture', { reference: 'S1', amount: 1_000, vatAmount: 0 }), true);
    assert.equal(summaryOf(next, next.ledger!).authorized, 100_000);
  });
});

describe('lifecycle decisions when nothing is queued', () => {
  const policy = resolvePolicy({ reversalWindowMs: 2 * DAY }, 'creditcard');
  const deadlines = { policy, expiryHandled: false, expiryActionAt: START + 6 * DAY, settledAt: undefined };

  it('waits for the expiry lead time, then acts on the uncaptured remainder as the policy says', () => {
    const ledger = createLedger('SEK', 100_000);
    assert.deepEqual(idleStep(ledger, { ...deadlines, now: START }), { act: 'wait', until: START + 6 * DAY });
    assert.deepEqual(idleStep(ledger, { ...deadlines, now: START + 6 * DAY }), { act: 'expire', how: 'cancel' });
    const flagOnly = resolvePolicy({ onAuthorizationExpiry: 'flag' }, 'creditcard');
    assert.deepEqual(idleStep(ledger, { ...deadlines, policy: flagOnly, now: START + 7 * DAY }), {
      act: 'expire',
      how: 'flag',
    });
  });

  it('keeps the reversal window open once nothing remains to capture, then closes', () => {
    let ledger = beginTransaction(createLedger('SEK', 1_000), {
      kind: 'capture',
      payeeReference: 'C1',
      amount: 1_000,
      vatAmount: 0,
    });
    ledger = settleTransaction(ledger, 'C1', { state: 'Completed', amount: 1_000 });
    const settled = idleStep(ledger, { ...deadlines, now: START });
    assert.deepEqual(settled, { act: 'wait', until: START + 2 * DAY, settledAt: START });
    assert.deepEqual(idleStep(ledger, { ...deadlines, settledAt: START, now: START + 2 * DAY }), {
      act: 'close',
      settledAt: START,
    });
  });

  it('closes at once when nothing was captured (nothing can be returned)', () => {
    let ledger = beginTransaction(createLedger('SEK', 1_000), {
      kind: 'cancellation',
      payeeReference: 'X1',
      amount: 1_000,
      vatAmount: 0,
    });
    ledger = settleTransaction(ledger, 'X1', { state: 'Completed', amount: 1_000 });
    assert.equal(idleStep(ledger, { ...deadlines, now: START }).act, 'close');
  });

  it('releases the rest after the final shipment, and only then', () => {
    let ledger = beginTransaction(createLedger('SEK', 1_000), {
      kind: 'capture',
      payeeReference: 'C1',
      amount: 400,
      vatAmount: 0,
    });
    ledger = settleTransaction(ledger, 'C1', { state: 'Completed', amount: 400 });
    const last = { kind: 'capture', id: 3, reference: 'S3', finalFulfilment: true };
    assert.deepEqual(finalFulfilmentCancellation(last, 'Completed', ledger), {
      reference: 'S3:final-fulfilment',
      description: 'Cancel rest after final fulfilment',
    });
    assert.equal(finalFulfilmentCancellation(last, 'Failed', ledger), undefined);
    assert.equal(finalFulfilmentCancellation({ ...last, finalFulfilment: false }, 'Completed', ledger), undefined);
  });
});
