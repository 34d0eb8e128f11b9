/**
 * The payment workflow's message handlers: updates (validated before they enter history, answered
 * with the operation's final result), signals (fire-and-forget events, recorded as rejected when they
 * cannot be acted on), Swedbank Pay's callbacks (hints) and the `state` query. Every handler treats
 * its argument as unknown JSON and decides through the pure checks and the state's rules.
 */
import {
  ApplicationFailure,
  condition,
  setDefaultSignalHandler,
  setDefaultUpdateHandler,
  setHandler,
} from '@temporalio/workflow';
import { HandlerUnfinishedPolicy, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import {
  callbackSignal,
  operationQuery,
  stateQuery,
  type OperationKind,
  type OperationResult,
  type Rejection,
} from '../contract/index.js';
import { checkCallback } from '../domain/callback.js';
import type { OperationRecord } from './carry.js';
import { operationMessages, type OperationMessage, type Request } from './operation-messages.js';
import { noteUpdateDelivered, type Runtime } from './runtime.js';
import { CLOSED, type PaymentState } from './state.js';
import { outcomeOf, stateView } from './web-ui.js';

function throwRejection(rejection: Rejection): never {
  throw ApplicationFailure.create({
    type: rejection.code,
    message: rejection.message,
    nonRetryable: true,
    details: [rejection],
  });
}

/**
 * A request no rule foresaw must still get an answer, never fail the workflow task: anything thrown
 * that is not a rejection becomes one (`invalid-request`).
 */
function asRejection(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  throwRejection({ code: 'invalid-request', message: 'the request could not be handled' });
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

/** An update's validator: refuses a bad request before it enters history. */
function validateUpdate(state: PaymentState, m: OperationMessage, raw: unknown): void {
  try {
    const checked = m.check(raw);
    if (!checked.ok) throwRejection(checked.rejection);
    const seen = state.seenBefore(m.kind, checked.value);
    if (seen === true) return; // the same event again: it gets the same result
    const rejection = seen || m.admission(checked.value);
    if (rejection) throwRejection(rejection);
  } catch (err) {
    asRejection(err);
  }
}

/** An update's handler: queues the request (or finds the earlier one under its reference); answers its result. */
async function handleUpdate(state: PaymentState, m: OperationMessage, raw: unknown): Promise<OperationResult> {
  let op: OperationRecord;
  try {
    const checked = m.check(raw);
    if (!checked.ok) throwRejection(checked.rejection);
    const seen = state.seenBefore(m.kind, checked.value);
    if (seen === true) return await resultOfReference(state, m.kind, checked.value.reference!);
    if (seen) throwRejection(seen);
    op = state.enqueue(m.kind, 'update', checked.value);
  } catch (err) {
    asRejection(err);
  }
  return resultOf(op);
}

/** A signal: checked on arrival, recorded as rejected instead of failing; amounts judged when run. */
function handleSignal(state: PaymentState, m: OperationMessage, name: string, raw: unknown): void {
  const reference = typeof raw === 'object' && raw !== null ? (raw as Request).reference : undefined;
  const ref = typeof reference === 'string' ? reference.slice(0, 100) : undefined;
  try {
    const checked = m.check(raw);
    if (!checked.ok) return state.rejectSignal(name, checked.rejection, ref);
    const seen = state.seenBefore(m.kind, checked.value);
    if (seen === true) return; // a redelivered event: performed once
    const rejection = seen || (state.closing ? CLOSED : m.admission(checked.value));
    if (rejection) return state.rejectSignal(name, rejection, ref);
    state.enqueue(m.kind, 'signal', checked.value);
  } catch {
    state.rejectSignal(name, { code: 'invalid-request', message: 'the request could not be handled' }, ref);
  }
}

/** A Swedbank Pay callback: a hint only, waking whoever waits for an outcome (who then reads the truth). */
function handleCallback(state: PaymentState, raw: unknown): void {
  const rejection = checkCallback(raw, state.input.paymentId, state.bounded);
  if (rejection) return state.rejectSignal('callback', rejection);
  state.callbacksReceived++;
}

type Messages = ReturnType<typeof operationMessages>;

function registerUpdates(rt: Runtime, messages: Messages): void {
  const { state } = rt;
  for (const m of messages) {
    setHandler(
      m.update as UpdateDefinition<OperationResult, [unknown]>,
      (raw) => {
        noteUpdateDelivered(rt);
        return handleUpdate(state, m.asUpdate, raw);
      },
      {
        validator: (raw) => validateUpdate(state, m.asUpdate, raw),
        // A run that continues as new mid-operation leaves its waiting updates: their clients ask again
        // with the same reference and get the result from the next run (docs/CONTRACT.md).
        unfinishedPolicy: HandlerUnfinishedPolicy.ABANDON,
      },
    );
  }
}

function registerSignals(state: PaymentState, messages: Messages): void {
  for (const m of messages) {
    setHandler(m.signal as SignalDefinition<[unknown]>, (raw) => handleSignal(state, m.asSignal, m.signal.name, raw));
  }
  setHandler(callbackSignal, (raw) => handleCallback(state, raw));
}

/**
 * Messages that arrived before the first workflow task wait in the SDK until their handler is
 * registered, and would be dispatched in registration order. History order is: every signal of the
 * task, then every update (updates are accepted when the task completes), each in arrival order; the
 * default handlers dispatch the waiting ones exactly so. An update dispatched this way is validated in
 * its handler, so a refusal is recorded (accepted, then failed with its rule) rather than left out.
 */
function dispatchWaitingInHistoryOrder(state: PaymentState, messages: Messages): void {
  const signals = new Map<string, (raw: unknown) => void>([
    ...messages.map(
      (m) => [m.signal.name, (raw: unknown) => handleSignal(state, m.asSignal, m.signal.name, raw)] as const,
    ),
    [callbackSignal.name, (raw: unknown) => handleCallback(state, raw)],
  ]);
  setDefaultSignalHandler((name, ...args) => {
    const route = signals.get(name);
    if (route) return route(args[0]);
    state.rejectSignal(name.slice(0, 100), { code: 'unknown-message', message: 'no such signal' });
  });
  const updates = new Map(messages.map((m) => [m.update.name, m.asUpdate] as const));
  setDefaultUpdateHandler((name, ...args) => {
    const m = updates.get(name);
    if (!m)
      return Promise.reject(
        ApplicationFailure.nonRetryable(`no such update: ${name.slice(0, 100)}`, 'unknown-message'),
      );
    validateUpdate(state, m, args[0]);
    return handleUpdate(state, m, args[0]);
  });
  // Unknown updates sent later are refused by the SDK before they enter history.
  setDefaultUpdateHandler(undefined);
}

/** Registers every handler; called before the workflow's first await, so no early message is lost. */
export function registerHandlers(rt: Runtime): void {
  const { state, features } = rt;
  const messages = operationMessages(state);
  if (features.historyOrder) {
    dispatchWaitingInHistoryOrder(state, messages);
    registerSignals(state, messages);
    registerUpdates(rt, messages);
  } else {
    // 0.1.0: waiting messages in registration order (updates first).
    registerUpdates(rt, messages);
    registerSignals(state, messages);
  }
  setHandler(stateQuery, () => stateView(state));
  setHandler(operationQuery, (ref) => outcomeOf(state, ref));
}
