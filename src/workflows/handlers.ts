/**
 * The payment workflow's message handlers: updates (validated before they enter history, answered
 * with the operation's final result), signals (fire-and-forget events, recorded as rejected when they
 * cannot be acted on), Swedbank Pay's callbacks (hints) and the `state` query. Every handler treats
 * its argument as unknown JSON and decides through the pure checks and the state's rules.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import {
  abortSignal,
  abortUpdate,
  callbackSignal,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenSignal,
  deleteTokenUpdate,
  reverseSignal,
  reverseUpdate,
  stateQuery,
  type OperationKind,
  type OperationResult,
  type Rejection,
} from '../contract/index.js';
import { checkCallback } from '../domain/callback.js';
import type { TransactionKind } from '../domain/ledger.js';
import {
  checkAbortRequest,
  checkCancelRequest,
  checkCaptureRequest,
  checkDeleteTokenRequest,
  checkReversalRequest,
  type Checked,
} from '../domain/requests.js';
import { CLOSED, type OperationRecord, type PaymentState } from './state.js';
import { stateView } from './web-ui.js';

type Request = { reference?: string; amount?: number; vatAmount?: number };

function throwRejection(rejection: Rejection): never {
  throw ApplicationFailure.create({
    type: rejection.code,
    message: rejection.message,
    nonRetryable: true,
    details: [rejection],
  });
}

async function resultOf(op: OperationRecord): Promise<OperationResult> {
  await condition(() => op.result !== undefined);
  return op.result!;
}

/** The result (or, once it has one, the running operation's) of a reference seen before. */
async function resultOfReference(
  state: PaymentState,
  kind: OperationKind,
  reference: string,
): Promise<OperationResult> {
  await condition(() => state.resultOfReference(kind, reference) !== null);
  return state.resultOfReference(kind, reference)!;
}

/**
 * An operation's update: the validator refuses a bad request before it enters history; the handler
 * queues it (or finds the earlier operation under the same reference) and returns its final result.
 */
function onUpdate<A, R extends Request>(
  state: PaymentState,
  update: UpdateDefinition<OperationResult, [A]>,
  kind: OperationKind,
  check: (raw: unknown) => Checked<R>,
  admission: (request: R) => Rejection | undefined,
): void {
  setHandler(
    update,
    async (raw) => {
      const checked = check(raw);
      if (!checked.ok) throwRejection(checked.rejection);
      const seen = state.seenBefore(kind, checked.value);
      if (seen === true) return resultOfReference(state, kind, checked.value.reference!);
      if (seen) throwRejection(seen);
      return resultOf(state.enqueue(kind, 'update', checked.value));
    },
    {
      validator: (raw) => {
        const checked = check(raw);
        if (!checked.ok) throwRejection(checked.rejection);
        const seen = state.seenBefore(kind, checked.value);
        if (seen === true) return; // the same event again: it gets the same result
        const rejection = seen || admission(checked.value);
        if (rejection) throwRejection(rejection);
      },
    },
  );
}

/** An operation's signal: checked on arrival, recorded as rejected instead of failing; amounts judged when run. */
function onSignal<A, R extends Request>(
  state: PaymentState,
  signal: SignalDefinition<[A]>,
  kind: OperationKind,
  check: (raw: unknown) => Checked<R>,
  admission?: (request: R) => Rejection | undefined,
): void {
  setHandler(signal, (raw: unknown) => {
    const reference = typeof raw === 'object' && raw !== null ? (raw as Request).reference : undefined;
    const ref = typeof reference === 'string' ? reference : undefined;
    const checked = check(raw);
    if (!checked.ok) return state.rejectSignal(signal.name, checked.rejection, ref);
    const seen = state.seenBefore(kind, checked.value);
    if (seen === true) return; // a redelivered event: performed once
    const rejection = seen || (state.closing ? CLOSED : admission?.(checked.value));
    if (rejection) return state.rejectSignal(signal.name, rejection, ref);
    state.enqueue(kind, 'signal', checked.value);
  });
}

/** Registers every handler; called before the workflow's first await, so no early message is lost. */
export function registerHandlers(state: PaymentState): void {
  const { instrument } = state;
  onUpdate(
    state,
    captureUpdate,
    'capture',
    (raw) => checkCaptureRequest(raw, instrument, false),
    (r) => state.admit('capture', r.amount, r.vatAmount),
  );
  onUpdate(
    state,
    cancelUpdate,
    'cancellation',
    (raw) => checkCancelRequest(raw, false),
    () => state.admit('cancellation'),
  );
  onUpdate(
    state,
    reverseUpdate,
    'reversal',
    (raw) => checkReversalRequest(raw, false),
    (r) => state.admit('reversal', r.amount, r.vatAmount),
  );
  onUpdate(
    state,
    abortUpdate,
    'abort',
    (raw) => checkAbortRequest(raw, false),
    () => state.admit('abort'),
  );
  onUpdate(
    state,
    deleteTokenUpdate,
    'delete-token',
    (raw) => checkDeleteTokenRequest(raw, false),
    () => state.admitTokenDeletion(),
  );

  // Signals are judged at their turn, except while the authorization is awaited: then the held
  // rules (nothing behind an abort, an abort only alone) apply on arrival, as for updates.
  const heldSignalAdmission =
    (kind: TransactionKind | 'abort') =>
    (request: Request): Rejection | undefined =>
      state.awaitingAuthorization() ? state.admit(kind, request.amount, request.vatAmount) : undefined;
  onSignal(
    state,
    captureSignal,
    'capture',
    (raw) => checkCaptureRequest(raw, instrument, true),
    heldSignalAdmission('capture'),
  );
  onSignal(
    state,
    cancelSignal,
    'cancellation',
    (raw) => checkCancelRequest(raw, true),
    heldSignalAdmission('cancellation'),
  );
  onSignal(state, reverseSignal, 'reversal', (raw) => checkReversalRequest(raw, true), heldSignalAdmission('reversal'));
  onSignal(state, abortSignal, 'abort', (raw) => checkAbortRequest(raw, true), heldSignalAdmission('abort'));
  onSignal(
    state,
    deleteTokenSignal,
    'delete-token',
    (raw) => checkDeleteTokenRequest(raw, true),
    () => state.admitTokenDeletion(),
  );

  setHandler(callbackSignal, (raw) => {
    const rejection = checkCallback(raw, state.input.paymentId);
    if (rejection) return state.rejectSignal('callback', rejection);
    // A hint only: wakes whoever waits for an outcome, who then reads the truth with GET.
    state.callbacksReceived++;
  });

  setHandler(stateQuery, () => stateView(state));
}
