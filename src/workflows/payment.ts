/**
 * The payment workflow: one per Swedbank Pay payment, the only writer of that payment.
 *
 * A thin durable shell around the pure ledger. Requests arrive as updates (answered with the final
 * transaction result) or signals (fire-and-forget fulfilment events), are checked, and queue; the
 * queue runs one operation at a time, in arrival order, because Swedbank Pay accepts no new
 * transaction while one is pending. Each operation's payeeReference is fixed here, before its
 * activity is scheduled, so every retry reuses it. Outcomes that are not final yet wait for a
 * callback signal or a polling timer, then the truth is read with GET. Swedbank Pay saying no never
 * fails the workflow: the failure is recorded, the payment flagged, and the workflow waits for the
 * next instruction.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  isCancellation,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import type {
  AuthorizationSnapshot,
  CreateTransactionInput,
  PaymentActivities,
  TransactionSnapshot,
} from '../activities/payment-activities.js';
import { formatAmount } from '../domain/amount.js';
import {
  authorizationOutcome,
  beginTransaction,
  checkInvariants,
  createLedger,
  decideAbandonment,
  decideAbort,
  decideAdmission,
  decideCancellation,
  decideCapture,
  decideHeldAdmission,
  decideReversal,
  emptyLedger,
  heldRejection,
  isFullySettled,
  markAborted,
  remainingToCapture,
  remainingToReverse,
  settleTransaction,
  type AuthorizationEnd,
  type Decision,
  type Ledger,
  type QueuedOperation,
  type TransactionKind,
} from '../domain/ledger.js';
import { payeeReferenceFor } from '../domain/payee-reference.js';
import { instrumentOf } from '../swedbank/resources.js';
import { CallbackBody } from '../swedbank/schemas.js';
import {
  CAPTURED_AMOUNT,
  INSTRUMENT,
  NEEDS_ATTENTION,
  ORDER_ID,
  PAYMENT_STATE,
  REMAINING_AMOUNT,
} from '../search-attributes.js';
import type { CarriedState, PaymentPolicy, PaymentWorkflowInput } from './input.js';
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
  type AuthorizationState,
  type OperationKind,
  type OperationRecord,
  type OperationResult,
  type PaymentWorkflowState,
  type RejectedSignal,
} from './messages.js';
import { currentDetails, INSTRUMENT_LABEL, statusOf, transactionSummary } from './payment-view.js';
import { inputProblems } from './validate-input.js';
import {
  checkAbortRequest,
  checkCancelRequest,
  checkCaptureRequest,
  checkDeleteTokenRequest,
  checkReversalRequest,
  type Checked,
  type RequestRejection,
} from './validate-request.js';

const DAY = 24 * 60 * 60 * 1000;

/** The policy with every default filled in. */
type ResolvedPolicy = Required<Omit<PaymentPolicy, 'authorizationExpiresAt' | 'continueAsNewAfterEvents'>> &
  Pick<PaymentPolicy, 'continueAsNewAfterEvents'>;

function resolvePolicy(policy: PaymentPolicy = {}, instrument: 'creditcard' | 'invoice'): ResolvedPolicy {
  return {
    authorizationValidityMs: policy.authorizationValidityMs ?? (instrument === 'creditcard' ? 7 : 30) * DAY,
    expiryLeadTimeMs: policy.expiryLeadTimeMs ?? DAY,
    onAuthorizationExpiry: policy.onAuthorizationExpiry ?? 'cancel',
    reversalWindowMs: policy.reversalWindowMs ?? 60 * DAY,
    deleteTokenOnClose: policy.deleteTokenOnClose ?? false,
    pollInitialMs: policy.pollInitialMs ?? 10_000,
    pollMaxMs: policy.pollMaxMs ?? 60 * 60 * 1000,
    pendingAttentionAfterMs: policy.pendingAttentionAfterMs ?? DAY,
    // One attempt may GET a list, GET the payment and POST, each within the client's timeout.
    activityTimeoutMs: policy.activityTimeoutMs ?? 120_000,
    continueAsNewAfterEvents: policy.continueAsNewAfterEvents,
    abandonAfterMs: policy.abandonAfterMs ?? 30 * 60 * 1000,
  };
}

/** What the workflow returns when the lifecycle ends. */
export interface PaymentSummary {
  paymentId: string;
  orderId: string;
  status: PaymentWorkflowState['status'];
  currency: string;
  authorized: number;
  captured: number;
  cancelled: number;
  reversed: number;
  transactions: number;
  tokenDeleted: boolean;
  needsAttention: boolean;
}

/** "90 s", "30 min", "48 h": for messages people read. */
function duration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 60 * 60 * 1000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

const RECENT_LIMIT = 50;
/** Callbacks are unsigned and may come in floods: GETs they trigger are spaced at least this far apart. */
const MIN_GET_SPACING_MS = 2_000;
const REJECTED_SIGNAL_LIMIT = 50;

export async function swedbankPayPayment(input: PaymentWorkflowInput): Promise<PaymentSummary> {
  const problems = inputProblems(input);
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(`invalid payment workflow input: ${problems.join('; ')}`, 'invalid-input');
  }
  const instrument = instrumentOf(input.paymentId);
  const policy = resolvePolicy(input.policy, instrument);
  const carried: CarriedState | undefined = input.carried;

  const activityOptions: ActivityOptions = {
    startToCloseTimeout: policy.activityTimeoutMs,
    // Only transient errors are retried (final ones are non-retryable), so backing off forever is safe.
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
  const activities = proxyActivities<PaymentActivities>(activityOptions);

  // ---- State (everything here survives in history or is carried across continue-as-new) ----
  // Continue-as-new happens only after the authorization phase, so a carried run never awaits it.
  const awaitsAuthorization = input.awaitAuthorization === true && carried === undefined;
  let ledger: Ledger | undefined =
    carried?.ledger ??
    (!awaitsAuthorization && input.currency !== undefined && input.authorizedAmount !== undefined
      ? createLedger(input.currency, input.authorizedAmount)
      : undefined);
  const startedAt = carried?.startedAt ?? new Date(Date.now()).toISOString();
  const authorization: AuthorizationState | undefined =
    carried?.authorization ??
    (awaitsAuthorization
      ? {
          phase: 'AwaitingAuthorization',
          ...(input.authorizedAmount !== undefined && { announcedAmount: input.authorizedAmount }),
          ...(input.currency !== undefined && { currency: input.currency }),
          failedAttempts: 0,
          abandonAt: new Date(Date.parse(startedAt) + policy.abandonAfterMs).toISOString(),
          checks: 0,
        }
      : undefined);
  let nextOperationId = carried?.nextOperationId ?? 1;
  const queue: OperationRecord[] = carried?.queue ?? [];
  const recent: OperationRecord[] = carried?.recent ?? [];
  // OMS reference (per kind) -> result (null while running), and the request it stood for.
  const references = new Map<string, OperationResult | null>(carried?.references ?? []);
  const fingerprints = new Map<string, string>(carried?.fingerprints ?? []);
  let needsAttention = carried?.needsAttention ?? false;
  const attentionReasons: string[] = carried?.attentionReasons ?? [];
  const rejectedSignals: RejectedSignal[] = carried?.rejectedSignals ?? [];
  let tokenDeleted = carried?.tokenDeleted ?? false;
  let closeTokenAttempted = carried?.closeTokenAttempted ?? false;
  let expiryHandled = carried?.expiryHandled ?? false;
  let settledAt: number | undefined = carried?.settledAt ? Date.parse(carried.settledAt) : undefined;
  let callbacksReceived = carried?.callbacksReceived ?? 0;
  let closing = false;
  let lastAttributes = ''; // the search attribute values last upserted, to upsert only on change

  // The authorization's validity runs from when it was given: the start, unless the workflow awaited it.
  const expiryFrom = (authorizedAt: string) =>
    input.policy?.authorizationExpiresAt
      ? Date.parse(input.policy.authorizationExpiresAt)
      : Date.parse(authorizedAt) + policy.authorizationValidityMs;
  let expiresAt = expiryFrom(authorization?.authorizedAt ?? startedAt);
  let expiryActionAt = expiresAt - policy.expiryLeadTimeMs;

  // ---- Helpers ----
  const now = () => Date.now(); // workflow time: deterministic
  const awaitingAuthorization = () => authorization?.phase === 'AwaitingAuthorization';
  /** The ledger shown before there is one: empty while (or because) nothing was authorized. */
  const shownLedger = (): Ledger | undefined =>
    ledger ?? (authorization ? emptyLedger(authorization.currency ?? 'XXX') : undefined);

  function flag(reason: string): void {
    needsAttention = true;
    attentionReasons.push(`${new Date(now()).toISOString()} ${reason}`);
    if (attentionReasons.length > 20) attentionReasons.splice(0, attentionReasons.length - 20);
    refresh(); // the NeedsAttention search attribute must show at once, also mid-operation
  }

  /** An OMS reference names one operation of one kind: a shipment id and a return id may coincide. */
  const referenceKey = (kind: OperationKind, reference: string) => `${kind}:${reference}`;
  const fingerprint = (r: { amount?: number; vatAmount?: number }) => `${r.amount ?? ''}/${r.vatAmount ?? ''}`;

  /** Seen before: the same operation again (true), or a different request under a used reference. */
  function seenBefore(
    kind: OperationKind,
    request: { reference?: string; amount?: number; vatAmount?: number },
  ): boolean | RequestRejection {
    if (request.reference === undefined) return false;
    const key = referenceKey(kind, request.reference);
    if (!references.has(key)) return false;
    if (fingerprints.get(key) !== fingerprint(request)) {
      return {
        code: 'reference-reused',
        message: `reference ${request.reference} was used for a ${kind} with other amounts`,
      };
    }
    return true;
  }

  function rejectSignal(signal: string, rejection: RequestRejection, reference?: string): void {
    rejectedSignals.push({
      signal,
      ...(reference !== undefined && { reference }),
      code: rejection.code,
      message: rejection.message,
      at: new Date(now()).toISOString(),
    });
    if (rejectedSignals.length > REJECTED_SIGNAL_LIMIT) rejectedSignals.splice(0, 1);
    flag(`${signal} rejected: ${rejection.message}`);
  }

  function queuedForAdmission(): QueuedOperation[] {
    const queued: QueuedOperation[] = [];
    for (const op of queue) {
      if ((op.status !== 'queued' && op.status !== 'held') || op.kind === 'delete-token') continue;
      queued.push(op.amount !== undefined ? { kind: op.kind, amount: op.amount } : { kind: op.kind });
    }
    return queued;
  }

  /**
   * Everything waiting for the authorization, token deletions and a running abort included: an abort
   * is accepted only with nothing else held, so it is always first and is acted on at once.
   */
  function heldForAdmission(): OperationRecord[] {
    return queue.filter((op) => op.status !== 'done');
  }

  /** Ledger admission behind the queue; undefined while the ledger is still being read at start. */
  function admit(kind: TransactionKind | 'abort', amount?: number, vatAmount?: number): RequestRejection | undefined {
    if (closing) return CLOSED;
    if (awaitingAuthorization()) {
      // Amounts wait for the authorized amount; the announced one decides nothing.
      const held = decideHeldAdmission(heldForAdmission(), { kind, amount, vatAmount });
      return held.ok ? undefined : held.rejection;
    }
    if (!ledger) return undefined;
    const decision = decideAdmission(ledger, queuedForAdmission(), { kind, amount, vatAmount });
    return decision.ok ? undefined : decision.rejection;
  }

  function enqueue(
    kind: OperationKind,
    source: OperationRecord['source'],
    fields: Partial<OperationRecord>,
  ): OperationRecord {
    const id = nextOperationId++;
    const op: OperationRecord = { ...fields, id, kind, source, status: awaitingAuthorization() ? 'held' : 'queued' };
    // Fixed now, before any activity is scheduled: every retry of this operation reuses it.
    if (kind === 'capture' || kind === 'cancellation' || kind === 'reversal') {
      op.payeeReference = payeeReferenceFor(input.paymentId, kind, id);
    }
    if (op.reference !== undefined) {
      references.set(referenceKey(kind, op.reference), null);
      fingerprints.set(referenceKey(kind, op.reference), fingerprint(op));
    }
    queue.push(op);
    refresh();
    return op;
  }

  async function resultOf(op: OperationRecord): Promise<OperationResult> {
    await condition(() => op.result !== undefined);
    return op.result!;
  }

  /** The result (or, once it has one, the running operation's) of a reference seen before. */
  async function resultOfReference(kind: OperationKind, reference: string): Promise<OperationResult> {
    const known = () => references.get(referenceKey(kind, reference));
    await condition(() => known() !== null);
    return known()!;
  }

  function throwRejection(rejection: RequestRejection): never {
    throw ApplicationFailure.create({
      type: rejection.code,
      message: rejection.message,
      nonRetryable: true,
      details: [rejection],
    });
  }

  type Request = { reference?: string; amount?: number; vatAmount?: number };

  /**
   * An operation's update: the validator refuses a bad request before it enters history; the
   * handler queues it (or finds the earlier operation under the same reference) and returns its
   * final result.
   */
  function onUpdate<A, R extends Request>(
    update: UpdateDefinition<OperationResult, [A]>,
    kind: OperationKind,
    check: (raw: unknown) => Checked<R>,
    admission: (request: R) => RequestRejection | undefined,
  ): void {
    setHandler(
      update,
      async (raw) => {
        const checked = check(raw);
        if (!checked.ok) throwRejection(checked.rejection);
        const seen = seenBefore(kind, checked.value);
        if (seen === true) return resultOfReference(kind, checked.value.reference!);
        if (seen) throwRejection(seen);
        return resultOf(enqueue(kind, 'update', checked.value));
      },
      {
        validator: (raw) => {
          const checked = check(raw);
          if (!checked.ok) throwRejection(checked.rejection);
          const seen = seenBefore(kind, checked.value);
          if (seen === true) return; // the same event again: it gets the same result
          const rejection = seen || admission(checked.value);
          if (rejection) throwRejection(rejection);
        },
      },
    );
  }

  /** An operation's signal: checked on arrival, recorded as rejected instead of failing; amounts judged when run. */
  function onSignal<A, R extends Request>(
    signal: SignalDefinition<[A]>,
    kind: OperationKind,
    check: (raw: unknown) => Checked<R>,
    admission?: (request: R) => RequestRejection | undefined,
  ): void {
    setHandler(signal, (raw: unknown) => {
      const reference = typeof raw === 'object' && raw !== null ? (raw as Request).reference : undefined;
      const ref = typeof reference === 'string' ? reference : undefined;
      const checked = check(raw);
      if (!checked.ok) return rejectSignal(signal.name, checked.rejection, ref);
      const seen = seenBefore(kind, checked.value);
      if (seen === true) return; // a redelivered event: performed once
      const rejection = seen || (closing ? CLOSED : admission?.(checked.value));
      if (rejection) return rejectSignal(signal.name, rejection, ref);
      enqueue(kind, 'signal', checked.value);
    });
  }

  const CLOSED: RequestRejection = { code: 'payment-closed', message: 'the payment lifecycle has ended' };
  const tokenAdmission = (): RequestRejection | undefined => {
    if (closing) return CLOSED;
    if (!input.paymentToken) return { code: 'no-payment-token', message: 'this payment has no payment token' };
    return undefined;
  };

  // ---- Handlers: registered before the first await, so no early message is lost ----
  onUpdate(
    captureUpdate,
    'capture',
    (raw) => checkCaptureRequest(raw, instrument, false),
    (r) => admit('capture', r.amount, r.vatAmount),
  );
  onUpdate(
    cancelUpdate,
    'cancellation',
    (raw) => checkCancelRequest(raw, false),
    () => admit('cancellation'),
  );
  onUpdate(
    reverseUpdate,
    'reversal',
    (raw) => checkReversalRequest(raw, false),
    (r) => admit('reversal', r.amount, r.vatAmount),
  );
  onUpdate(
    abortUpdate,
    'abort',
    (raw) => checkAbortRequest(raw, false),
    () => admit('abort'),
  );
  onUpdate(deleteTokenUpdate, 'delete-token', (raw) => checkDeleteTokenRequest(raw, false), tokenAdmission);

  // Signals are judged at their turn, except while the authorization is awaited: then the held
  // rules (nothing behind an abort, an abort only alone) apply on arrival, as for updates.
  const heldSignalAdmission =
    (kind: TransactionKind | 'abort') =>
    (request: object): RequestRejection | undefined => {
      if (!awaitingAuthorization()) return undefined;
      const { amount, vatAmount } = request as { amount?: number; vatAmount?: number };
      return admit(kind, amount, vatAmount);
    };
  onSignal(
    captureSignal,
    'capture',
    (raw) => checkCaptureRequest(raw, instrument, true),
    heldSignalAdmission('capture'),
  );
  onSignal(cancelSignal, 'cancellation', (raw) => checkCancelRequest(raw, true), heldSignalAdmission('cancellation'));
  onSignal(reverseSignal, 'reversal', (raw) => checkReversalRequest(raw, true), heldSignalAdmission('reversal'));
  onSignal(abortSignal, 'abort', (raw) => checkAbortRequest(raw, true), heldSignalAdmission('abort'));
  onSignal(deleteTokenSignal, 'delete-token', (raw) => checkDeleteTokenRequest(raw, true), tokenAdmission);

  setHandler(callbackSignal, (raw) => {
    const parsed = CallbackBody.safeParse(raw);
    if (!parsed.success) {
      return rejectSignal('callback', { code: 'invalid-request', message: 'malformed callback body' });
    }
    if (parsed.data.payment.id !== input.paymentId) {
      return rejectSignal('callback', {
        code: 'unknown-payment',
        message: `callback for ${parsed.data.payment.id}`,
      });
    }
    // A hint only: wakes whoever waits for an outcome, who then reads the truth with GET.
    callbacksReceived++;
  });

  setHandler(stateQuery, (): PaymentWorkflowState => {
    // Until the payment has been read (only when the starter gave no amount), a placeholder ledger.
    const l = shownLedger() ?? createLedger('XXX', 1);
    return {
      paymentId: input.paymentId,
      orderId: input.orderId,
      instrument,
      status: statusOf(l, authorization),
      ...(authorization && { authorization: { ...authorization } }),
      ledger: l,
      remainingToCapture: Math.max(0, remainingToCapture(l)),
      remainingToReverse: Math.max(0, remainingToReverse(l)),
      queue: [...queue],
      recent: [...recent],
      needsAttention,
      attentionReasons: [...attentionReasons],
      rejectedSignals: [...rejectedSignals],
      ...(input.paymentToken && {
        paymentToken: {
          type: input.paymentToken.type,
          last4: input.paymentToken.token.slice(-4),
          deleted: tokenDeleted,
        },
      }),
      authorizationExpiresAt: new Date(expiresAt).toISOString(),
      ...(settledAt !== undefined && { reversalWindowEndsAt: new Date(reversalWindowEnd(settledAt)).toISOString() }),
      callbacksReceived,
    };
  });

  // ---- Web UI: search attributes and current details follow every change ----
  function refresh(): void {
    const l = shownLedger();
    if (!l) return;
    const status = statusOf(l, authorization);
    const attributes = {
      status,
      captured: l.captured,
      remaining: Math.max(0, remainingToCapture(l)),
      needsAttention,
    };
    const key = JSON.stringify(attributes);
    if (key !== lastAttributes) {
      lastAttributes = key;
      upsertSearchAttributes([
        { key: PAYMENT_STATE, value: status },
        { key: ORDER_ID, value: input.orderId },
        { key: INSTRUMENT, value: INSTRUMENT_LABEL[instrument] },
        { key: CAPTURED_AMOUNT, value: attributes.captured },
        { key: REMAINING_AMOUNT, value: attributes.remaining },
        { key: NEEDS_ATTENTION, value: needsAttention },
      ]);
    }
    setCurrentDetails(
      currentDetails({
        orderId: input.orderId,
        instrument,
        ledger: l,
        queue,
        needsAttention,
        attentionReasons,
        ...(authorization && { authorization }),
      }),
    );
  }

  // ---- Running operations ----

  function failureOf(err: unknown): { type: string; message: string } {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'ActivityFailure', message: cause.message };
    return { type: 'ActivityFailure', message: cause instanceof Error ? cause.message : String(cause) };
  }

  /** Awaits an activity, flagging the payment if its outcome is still unknown after a long time. */
  async function patiently<T>(promise: Promise<T>, what: string): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    if (!(await condition(() => done, policy.pendingAttentionAfterMs))) flag(`${what}: outcome still unknown`);
    return tracked;
  }

  /**
   * Initialized / AwaitingActivity: wait for a callback or a poll timer, then GET the truth. A flood
   * of callbacks still makes at most one GET per MIN_GET_SPACING_MS; a failed GET is no outcome, so
   * it is flagged and polling goes on.
   */
  async function awaitOutcome(tx: TransactionSnapshot, what: string): Promise<TransactionSnapshot> {
    let delay = policy.pollInitialMs;
    const since = now();
    let flagged = false;
    while (tx.state === 'Initialized' || tx.state === 'AwaitingActivity') {
      const seen = callbacksReceived;
      const asked = now();
      await condition(() => callbacksReceived > seen, delay);
      const spacing = Math.min(policy.pollInitialMs, MIN_GET_SPACING_MS) - (now() - asked);
      if (spacing > 0) await sleep(spacing);
      delay = Math.min(delay * 2, policy.pollMaxMs);
      try {
        // Not `patiently`: this loop flags a long wait itself, without a timer per poll in history.
        tx = await activities.getTransaction.executeWithOptions({ ...activityOptions, summary: `check ${what}` }, [
          tx.transactionId,
        ]);
      } catch (err) {
        if (isCancellation(err)) throw err;
        flag(`${what}: could not read the outcome (${failureOf(err).message}); still polling`);
      }
      if (!flagged && now() - since > policy.pendingAttentionAfterMs) {
        flagged = true;
        flag(`${what}: still ${tx.state} after ${Math.round((now() - since) / 60000)} minutes`);
      }
    }
    return tx;
  }

  function rejected(op: OperationRecord, rejection: RequestRejection): OperationResult {
    if (op.source !== 'update') rejectSignal(`${op.kind} (${op.source})`, rejection, op.reference);
    return {
      operationId: op.id,
      kind: op.kind,
      ...(op.reference !== undefined && { reference: op.reference }),
      state: 'Rejected',
      failureReason: rejection.message,
      failureType: rejection.code,
    };
  }

  async function runTransaction(op: OperationRecord & { kind: TransactionKind }, l: Ledger): Promise<OperationResult> {
    const decision: Decision<{ amount: number }> =
      op.kind === 'capture'
        ? decideCapture(l, op.amount, op.vatAmount)
        : op.kind === 'cancellation'
          ? decideCancellation(l)
          : decideReversal(l, op.amount, op.vatAmount);
    if (!decision.ok) return rejected(op, decision.rejection);
    const amount = decision.value.amount;
    const vatAmount = op.kind === 'cancellation' ? 0 : (op.vatAmount ?? 0);
    const payeeReference = op.payeeReference!;
    ledger = beginTransaction(l, { kind: op.kind, payeeReference, amount, vatAmount });
    refresh();
    const summary = transactionSummary(op.kind, amount, l.currency, payeeReference);
    const request: CreateTransactionInput = {
      paymentId: input.paymentId,
      kind: op.kind,
      payeeReference,
      description: op.description ?? op.kind,
      ...(op.kind !== 'cancellation' && { amount, vatAmount }),
      ...(op.itemDescriptions && { itemDescriptions: op.itemDescriptions }),
      ...(op.vatSummary && { vatSummary: op.vatSummary }),
    };
    const base = {
      operationId: op.id,
      kind: op.kind,
      ...(op.reference !== undefined && { reference: op.reference }),
      payeeReference,
    };
    try {
      let tx = await patiently(
        activities.createTransaction.executeWithOptions({ ...activityOptions, summary }, [request]),
        summary,
      );
      tx = await awaitOutcome(tx, summary);
      const state = tx.state === 'Completed' ? 'Completed' : 'Failed';
      ledger = settleTransaction(ledger, payeeReference, {
        state,
        amount: tx.amount,
        vatAmount: tx.vatAmount,
        number: tx.number,
        transactionId: tx.transactionId,
        ...(tx.failedReason !== undefined && { failedReason: tx.failedReason }),
      });
      if (state === 'Failed') flag(`${summary} failed at Swedbank Pay: ${tx.failedReason ?? 'no reason given'}`);
      return {
        ...base,
        state,
        amount: tx.amount,
        vatAmount: tx.vatAmount,
        number: tx.number,
        transactionId: tx.transactionId,
        ...(state === 'Failed' && {
          failureReason: tx.failedReason ?? 'failed at Swedbank Pay',
          failureType: 'Failed',
        }),
      };
    } catch (err) {
      // Cancelling the workflow says nothing about Swedbank Pay: never record it as a failure.
      if (isCancellation(err)) throw err;
      // The activity fails non-retryably only on a definite answer: nothing was created, or it failed.
      const failure = failureOf(err);
      ledger = settleTransaction(ledger, payeeReference, { state: 'Failed', amount, failedReason: failure.message });
      flag(`${summary} refused: ${failure.message}`);
      return { ...base, state: 'Failed', amount, vatAmount, failureReason: failure.message, failureType: failure.type };
    }
  }

  async function runAbort(op: OperationRecord, l: Ledger): Promise<OperationResult> {
    const decision = decideAbort(l);
    if (!decision.ok) return rejected(op, decision.rejection);
    const base = { operationId: op.id, kind: op.kind, ...(op.reference !== undefined && { reference: op.reference }) };
    try {
      const { state } = await activities.abortPayment.executeWithOptions(
        { ...activityOptions, summary: `abort payment` },
        [input.paymentId],
      );
      if (state !== 'Aborted')
        throw ApplicationFailure.nonRetryable(`payment is ${state} after abort`, 'AbortNotApplied');
      ledger = markAborted(l);
      return { ...base, state: 'Completed' };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureOf(err);
      flag(`abort refused: ${failure.message}`);
      return { ...base, state: 'Failed', failureReason: failure.message, failureType: failure.type };
    }
  }

  async function runDeleteToken(op: OperationRecord): Promise<OperationResult> {
    const base = { operationId: op.id, kind: op.kind, ...(op.reference !== undefined && { reference: op.reference }) };
    const token = input.paymentToken;
    if (!token) return rejected(op, { code: 'no-payment-token', message: 'this payment has no payment token' });
    if (tokenDeleted) return { ...base, state: 'Completed' };
    try {
      const { isDeleted } = await activities.deletePaymentToken.executeWithOptions(
        { ...activityOptions, summary: `delete ${token.type} …${token.token.slice(-4)}` },
        [{ paymentToken: token.token, tokenType: token.type, comment: op.comment ?? 'Payment lifecycle closed' }],
      );
      if (!isDeleted) throw ApplicationFailure.nonRetryable('Swedbank Pay kept the token', 'TokenNotDeleted');
      tokenDeleted = true;
      return { ...base, state: 'Completed' };
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure = failureOf(err);
      flag(`token deletion refused: ${failure.message}`);
      return { ...base, state: 'Failed', failureReason: failure.message, failureType: failure.type };
    }
  }

  /** An operation is done: its result answers the update and the reference, and it leaves the queue. */
  function retire(op: OperationRecord, result: OperationResult): void {
    op.status = 'done';
    op.result = result;
    if (op.reference !== undefined) references.set(referenceKey(op.kind, op.reference), result);
    const index = queue.indexOf(op);
    if (index >= 0) queue.splice(index, 1);
    recent.push(op);
    if (recent.length > RECENT_LIMIT) recent.splice(0, recent.length - RECENT_LIMIT);
  }

  async function run(op: OperationRecord, l: Ledger): Promise<void> {
    op.status = 'running';
    refresh();
    let result: OperationResult;
    switch (op.kind) {
      case 'capture':
      case 'cancellation':
      case 'reversal':
        result = await runTransaction(op as OperationRecord & { kind: TransactionKind }, l);
        break;
      case 'abort':
        result = await runAbort(op, l);
        break;
      case 'delete-token':
        result = await runDeleteToken(op);
        break;
    }
    const broken = ledger ? checkInvariants(ledger) : [];
    if (broken.length > 0) flag(`ledger invariant broken after operation ${op.id}: ${broken.join('; ')}`);
    retire(op, result);
    // Final fulfilment: once the last shipment is captured, release whatever remains.
    if (op.kind === 'capture' && op.finalFulfilment && result.state === 'Completed' && ledger) {
      if (decideCancellation(ledger).ok) {
        enqueue('cancellation', 'policy', {
          reference: `${op.reference ?? `operation-${op.id}`}:final-fulfilment`,
          description: 'Cancel rest after final fulfilment',
        });
      }
    }
    refresh();
  }

  function reversalWindowEnd(at: number): number {
    // Nothing captured (or all of it returned): no return can come, so no window to wait for.
    const reversible = ledger ? ledger.captured - ledger.reversed : 0;
    return ledger?.aborted || reversible <= 0 ? at : at + policy.reversalWindowMs;
  }

  function continueAsNewDue(): boolean {
    const info = workflowInfo();
    return (
      info.continueAsNewSuggested ||
      (policy.continueAsNewAfterEvents !== undefined && info.historyLength >= policy.continueAsNewAfterEvents)
    );
  }

  // ---- The authorization phase (awaitAuthorization): requests are held until it is decided ----

  /** Reads the payment and its transactions; undefined (flagged) when it could not be read. */
  async function readAuthorization(summary: string): Promise<AuthorizationSnapshot | undefined> {
    try {
      const snapshot = await activities.readAuthorization.executeWithOptions({ ...activityOptions, summary }, [
        input.paymentId,
      ]);
      if (authorization) authorization.checks++;
      return snapshot;
    } catch (err) {
      if (isCancellation(err)) throw err;
      flag(`could not read the payment: ${failureOf(err).message}; still waiting for its authorization`);
      return undefined;
    }
  }

  /** Swedbank Pay authorized the payment: the ledger starts from its amount, and held requests run. */
  function authorized(a: AuthorizationState, snapshot: AuthorizationSnapshot, amount: number): void {
    const completed = snapshot.transactions.filter((t) => t.type === 'Authorization' && t.state === 'Completed');
    const last = completed.at(-1);
    const created = last ? Date.parse(last.created) : Number.NaN;
    const at = Number.isNaN(created) ? now() : Math.min(created, now());
    ledger = { ...createLedger(snapshot.currency, amount), authorizedByPayer: true };
    a.phase = 'Authorized';
    a.authorizedAmount = amount;
    a.authorizedAt = new Date(at).toISOString();
    if (last) {
      a.transactionId = last.transactionId;
      a.number = last.number;
    }
    expiresAt = expiryFrom(a.authorizedAt);
    expiryActionAt = expiresAt - policy.expiryLeadTimeMs;
    if (a.currency !== undefined && a.currency !== snapshot.currency) {
      flag(`authorized in ${snapshot.currency}, not the announced ${a.currency}`);
    } else if (a.announcedAmount !== undefined && a.announcedAmount !== amount) {
      flag(
        `authorized ${formatAmount(amount, snapshot.currency)}, not the announced ${formatAmount(a.announcedAmount, snapshot.currency)}`,
      );
    }
    a.currency = snapshot.currency;
    if (snapshot.transactions.some((t) => t.type !== 'Authorization' && t.state === 'Completed')) {
      flag('the payment already had transactions when it was authorized');
    }
    const head = queue[0];
    if (head?.kind === 'abort') {
      // Swedbank Pay aborts only payments without a successful transaction: this one has its authorization.
      retire(
        head,
        rejected(head, {
          code: 'abort-not-allowed',
          message: 'the payment was authorized before the abort could land; cancel it instead',
        }),
      );
    }
    for (const op of queue) if (op.status === 'held') op.status = 'queued';
    refresh();
  }

  /**
   * PATCH abort of a payment nobody has authorized. Anything but a confirmed Aborted (a refusal, the
   * operation gone) may mean an authorization landed first: the caller looks again before deciding.
   */
  async function abortUnauthorized(reason: 'abandoned' | 'requested'): Promise<{ aborted: boolean; why?: string }> {
    const head = queue[0];
    if (reason === 'requested' && head) {
      head.status = 'running';
      refresh();
    }
    let outcome: { aborted: boolean; why?: string };
    try {
      const summary = reason === 'abandoned' ? 'abort abandoned payment' : 'abort unpaid payment';
      const { state } = await activities.abortPayment.executeWithOptions({ ...activityOptions, summary }, [
        input.paymentId,
      ]);
      outcome =
        state === 'Aborted' ? { aborted: true } : { aborted: false, why: `the payment is ${state} after abort` };
    } catch (err) {
      if (isCancellation(err)) throw err;
      outcome = { aborted: false, why: failureOf(err).message };
    }
    if (reason === 'requested' && head?.status === 'running') head.status = 'held';
    return outcome;
  }

  /**
   * Waits for the authorization: a callback is a hint, the GET is the truth, and a backing-off poll
   * covers lost callbacks. Returns how the phase ended when the payment was never authorized.
   */
  async function authorizationPhase(a: AuthorizationState): Promise<AuthorizationEnd | undefined> {
    const abandonAt = Date.parse(a.abandonAt);
    let delay = policy.pollInitialMs;
    let abortNotBefore = 0; // after a refused or impossible abort, wait a poll before the next try
    let refusal: string | undefined; // why the last abort did not land
    let blockedFlagged = false;
    refresh();
    for (;;) {
      const seen = callbacksReceived;
      const snapshot = await readAuthorization('check the authorization');
      if (snapshot) {
        const outcome = authorizationOutcome(snapshot);
        if (outcome.kind === 'authorized') {
          authorized(a, snapshot, outcome.amount);
          return undefined;
        }
        if (outcome.kind === 'failed') return { kind: 'failed', reason: outcome.reason };
        if (outcome.kind === 'aborted') {
          if (queue[0]?.kind !== 'abort') flag('the payment was aborted at Swedbank Pay before it was authorized');
          return { kind: 'aborted' };
        }
        a.currency ??= snapshot.currency;
        if (a.failedAttempts !== outcome.failedAttempts) {
          a.failedAttempts = outcome.failedAttempts;
          refresh();
        }
        if (refusal !== undefined) {
          // Still unpaid after a refused abort: not the race with an authorization, something else.
          flag(`abort of the unpaid payment refused: ${refusal}; still watching`);
          refusal = undefined;
        }
        const requested = queue[0]?.kind === 'abort';
        if ((requested || now() >= abandonAt) && now() >= abortNotBefore) {
          const decision = decideAbandonment(snapshot);
          if (decision.ok) {
            const result = await abortUnauthorized(requested ? 'requested' : 'abandoned');
            if (result.aborted) {
              // Look once more: an authorization taken despite the abort must not go unnoticed.
              const after = await readAuthorization('check the aborted payment');
              if (after?.transactions.some((t) => t.state === 'Completed')) {
                flag('the payment was aborted with a completed transaction: check it at Swedbank Pay');
              }
              // An abort the OMS asked for meanwhile was carried out too: it is answered Completed.
              return requested || queue.some((op) => op.kind === 'abort') ? { kind: 'aborted' } : { kind: 'abandoned' };
            }
            refusal = result.why;
            abortNotBefore = now() + delay;
            continue; // the race: an authorization may have landed just before the abort; read at once
          }
          abortNotBefore = now() + delay;
          if (!blockedFlagged && now() - abandonAt > policy.pendingAttentionAfterMs) {
            blockedFlagged = true;
            flag(`the unpaid payment cannot be aborted: ${decision.rejection.message}; still watching`);
          }
        }
      }
      // Wait for a callback, an abort request, the abandonment time or the next poll.
      const abortHead = queue[0]?.kind === 'abort';
      const abortDue = Math.max(abortHead ? now() : abandonAt, abortNotBefore);
      const wait = snapshot && abortDue > now() ? Math.min(delay, abortDue - now()) : delay;
      const asked = now();
      await condition(() => callbacksReceived > seen || (!abortHead && queue[0]?.kind === 'abort'), wait);
      if (callbacksReceived > seen) {
        // Callbacks are unsigned and may come in floods: space the GETs they trigger.
        const spacing = Math.min(policy.pollInitialMs, MIN_GET_SPACING_MS) - (now() - asked);
        if (spacing > 0) await sleep(spacing);
      }
      delay = Math.min(delay * 2, policy.pollMaxMs);
    }
  }

  /** Never authorized: held requests are rejected (token deletions still run) and the lifecycle ends. */
  async function endWithoutAuthorization(a: AuthorizationState, end: AuthorizationEnd): Promise<PaymentSummary> {
    a.phase = end.kind === 'failed' ? 'AuthorizationFailed' : end.kind === 'abandoned' ? 'Abandoned' : 'Aborted';
    a.failureReason =
      end.kind === 'failed'
        ? end.reason
        : end.kind === 'abandoned'
          ? `not authorized within ${duration(policy.abandonAfterMs)}; aborted`
          : 'aborted before it was authorized';
    closing = true;
    const rejection = heldRejection(end);
    for (const op of [...queue]) {
      if (op.kind === 'delete-token') {
        op.status = 'queued'; // a token deletion needs no authorization
      } else if (op.kind === 'abort' && end.kind === 'aborted') {
        retire(op, {
          operationId: op.id,
          kind: op.kind,
          ...(op.reference !== undefined && { reference: op.reference }),
          state: 'Completed',
        });
      } else {
        retire(op, rejected(op, rejection));
      }
    }
    if (policy.deleteTokenOnClose && input.paymentToken && !tokenDeleted && !closeTokenAttempted) {
      closeTokenAttempted = true;
      enqueue('delete-token', 'policy', { comment: 'Payment lifecycle closed' });
    }
    const l = shownLedger()!;
    while (queue[0]) await run(queue[0], l);
    refresh();
    await condition(allHandlersFinished);
    return summaryOf(l);
  }

  function summaryOf(l: Ledger): PaymentSummary {
    return {
      paymentId: input.paymentId,
      orderId: input.orderId,
      status: statusOf(l, authorization),
      currency: l.currency,
      authorized: l.authorized,
      captured: l.captured,
      cancelled: l.cancelled,
      reversed: l.reversed,
      transactions: l.entries.length,
      tokenDeleted,
      needsAttention,
    };
  }

  if (authorization?.phase === 'AwaitingAuthorization') {
    const end = await authorizationPhase(authorization);
    if (end) return endWithoutAuthorization(authorization, end);
  }

  // ---- Start: learn the authorized amount if the starter did not give it ----
  for (let delay = policy.pollInitialMs; !ledger; delay = Math.min(delay * 2, policy.pollMaxMs)) {
    try {
      const payment = await activities.getPayment.executeWithOptions(
        { ...activityOptions, summary: 'read the authorized payment' },
        [input.paymentId],
      );
      ledger = createLedger(payment.currency, payment.amount);
      if (payment.remainingCaptureAmount !== undefined && payment.remainingCaptureAmount !== payment.amount) {
        flag('the payment already had transactions when this workflow started');
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      flag(`could not read the payment: ${failureOf(err).message}; trying again`);
      await sleep(delay);
    }
  }
  refresh();

  // ---- The lifecycle ----
  for (;;) {
    const next = queue[0];
    if (next) {
      await run(next, ledger);
      continue;
    }
    const t = now();
    if (!expiryHandled && remainingToCapture(ledger) > 0 && t >= expiryActionAt) {
      expiryHandled = true;
      if (policy.onAuthorizationExpiry === 'cancel') {
        enqueue('cancellation', 'policy', {
          reference: 'authorization-expiry',
          description: 'Cancel before authorization expiry',
        });
      } else {
        flag(`authorization expires at ${new Date(expiresAt).toISOString()} with an uncaptured remainder`);
      }
      continue;
    }
    let windowEnd: number | undefined;
    if (isFullySettled(ledger)) {
      settledAt ??= t;
      windowEnd = reversalWindowEnd(settledAt);
      if (t >= windowEnd) {
        closing = true;
        if (policy.deleteTokenOnClose && input.paymentToken && !tokenDeleted && !closeTokenAttempted) {
          closeTokenAttempted = true; // once: a refusal is flagged, not retried in a loop
          enqueue('delete-token', 'policy', { comment: 'Payment lifecycle closed' });
          continue;
        }
        await condition(allHandlersFinished);
        if (queue.length === 0) break;
        continue;
      }
    }
    if (continueAsNewDue()) {
      await condition(allHandlersFinished);
      if (queue.length === 0) {
        const carry: CarriedState = {
          ledger,
          startedAt,
          nextOperationId,
          queue,
          recent,
          references: [...references.entries()],
          fingerprints: [...fingerprints.entries()],
          needsAttention,
          attentionReasons,
          rejectedSignals,
          tokenDeleted,
          closeTokenAttempted,
          expiryHandled,
          ...(settledAt !== undefined && { settledAt: new Date(settledAt).toISOString() }),
          callbacksReceived,
          ...(authorization && { authorization }),
        };
        await continueAsNew<typeof swedbankPayPayment>({ ...input, carried: carry });
      }
      continue;
    }
    const deadlines = [windowEnd, !expiryHandled && remainingToCapture(ledger) > 0 ? expiryActionAt : undefined].filter(
      (d): d is number => d !== undefined,
    );
    const wait = deadlines.length > 0 ? Math.max(1, Math.min(...deadlines) - t) : undefined;
    const before = callbacksReceived;
    await condition(() => queue.length > 0 || callbacksReceived !== before || continueAsNewDue(), wait);
  }

  return summaryOf(ledger);
}
