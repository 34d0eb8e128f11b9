/**
 * Everything one payment workflow knows, in one serializable object: the ledger, the operation
 * queue, the OMS references, the flags. Its methods are the workflow's decisions (admission,
 * queueing, flagging, retiring), free of Temporal so that unit tests can drive them; the few effects
 * (search attributes, Web UI details) go through `StateEffects`. What continues-as-new into the next
 * run is `carry()`, defined here once.
 */
import {
  parsePaymentId,
  type AuthorizationState,
  type Instrument,
  type OperationKind,
  type OperationResult,
  type OperationStatus,
  type PaymentWorkflowInput,
  type Rejection,
  type RejectedSignal,
} from '../contract/index.js';
import { createLedger, emptyLedger, type Ledger } from '../domain/ledger.js';
import { maxSequence, OPERATION_LIMIT, payeeReferenceFor } from '../domain/payee-reference.js';
import { authorizationExpiry, expiryActionAt, resolvePolicy, type ResolvedPolicy } from '../domain/policy.js';
import { fingerprint, referenceKey, seenBefore } from '../domain/references.js';
import type { CarriedState, OperationRecord } from './carry.js';

/** The workflow's effects on the outside world that the state triggers itself. */
export interface StateEffects {
  /** Workflow time (deterministic). */
  now(): number;
  /** Search attributes and Web UI details follow the state. */
  show(state: PaymentState): void;
  /** Shows it now, for runs that show changes when the workflow task's code is done (before the run ends). */
  showNow?(state: PaymentState): void;
  /** A line for the worker's log at a decision that matters (replay-safe: none while replaying). */
  log?(level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
}

const RECENT_LIMIT = 50;
const REJECTED_SIGNAL_LIMIT = 50;
const ATTENTION_LIMIT = 20;
/** Operation numbers kept for the policy's own operations (expiry, final-fulfilment cancellation, token). */
const POLICY_RESERVE = 10;
/** A done operation as a new run carries it: its order lines stay with Swedbank Pay and in history. */
function withoutLines(op: OperationRecord): OperationRecord {
  if (op.orderItems === undefined && op.itemDescriptions === undefined) return op;
  const { orderItems: _items, itemDescriptions: _lines, ...rest } = op;
  return rest;
}

/** The correlation fields of an operation's log lines. */
export function operationFields(op: OperationRecord): Record<string, unknown> {
  return {
    operation: op.kind,
    operationId: op.id,
    ...(op.payeeReference !== undefined && { payeeReference: op.payeeReference }),
    ...(op.reference !== undefined && { reference: op.reference }),
  };
}

export const CLOSED: Rejection = { code: 'payment-closed', message: 'the payment lifecycle has ended' };

export class PaymentState {
  readonly instrument: Instrument;
  /** A payment order's payment method (CreditCard, Swish, ...), known once it is paid. */
  paymentMethod: string | undefined;
  readonly policy: ResolvedPolicy;
  ledger: Ledger | undefined;
  readonly startedAt: string;
  readonly authorization: AuthorizationState | undefined;
  nextOperationId: number;
  /** The bounded-requests change applies (false only for runs started before it, as they replay). */
  bounded = true;
  readonly queue: OperationRecord[];
  readonly recent: OperationRecord[];
  readonly references: Map<string, OperationResult | null>;
  readonly fingerprints: Map<string, string>;
  needsAttention: boolean;
  readonly attentionReasons: string[];
  readonly rejectedSignals: RejectedSignal[];
  tokenDeleted: boolean;
  closeTokenAttempted: boolean;
  expiryHandled: boolean;
  settledAt: number | undefined;
  callbacksReceived: number;
  /** The lifecycle has ended: new requests are refused. */
  closing = false;
  /** A capture, cancellation or reversal request is on its way to Swedbank Pay (not carried). */
  requestInFlight = false;
  /** When the authorization expires, and when its uncaptured remainder is acted on. */
  expiresAt: number;
  expiryActionAt: number;

  constructor(
    readonly input: PaymentWorkflowInput,
    private readonly effects: StateEffects,
    carried?: CarriedState,
  ) {
    this.instrument = parsePaymentId(input.paymentId)!.instrument;
    this.policy = resolvePolicy(input.policy, this.instrument);
    this.paymentMethod = carried?.paymentMethod;
    // A carried run awaits the authorization only if its carried phase says so.
    const awaits = input.awaitAuthorization === true && carried === undefined;
    // A payment order is always read first: only Swedbank Pay knows whether it was paid as a sale.
    const trustInput = !awaits && this.instrument !== 'paymentorder';
    this.ledger =
      carried?.ledger ??
      (trustInput && input.currency !== undefined && input.authorizedAmount !== undefined
        ? createLedger(input.currency, input.authorizedAmount)
        : undefined);
    this.startedAt = carried?.startedAt ?? new Date(effects.now()).toISOString();
    this.authorization = carried?.authorization ?? (awaits ? this.#awaitedAuthorization() : undefined);
    this.nextOperationId = carried?.nextOperationId ?? 1;
    this.queue = carried?.queue ?? [];
    this.recent = carried?.recent ?? [];
    this.references = new Map(carried?.references ?? []);
    this.fingerprints = new Map(carried?.fingerprints ?? []);
    this.needsAttention = carried?.needsAttention ?? false;
    this.attentionReasons = carried?.attentionReasons ?? [];
    this.rejectedSignals = carried?.rejectedSignals ?? [];
    this.tokenDeleted = carried?.tokenDeleted ?? false;
    this.closeTokenAttempted = carried?.closeTokenAttempted ?? false;
    this.expiryHandled = carried?.expiryHandled ?? false;
    this.settledAt = carried?.settledAt ? Date.parse(carried.settledAt) : undefined;
    this.callbacksReceived = carried?.callbacksReceived ?? 0;
    // The authorization's validity runs from when it was given: the start, unless the workflow awaited it.
    const authorizedAt = this.authorization?.authorizedAt ?? this.startedAt;
    this.expiresAt = authorizationExpiry(this.policy, authorizedAt);
    this.expiryActionAt = expiryActionAt(this.policy, authorizedAt);
  }

  #awaitedAuthorization(): AuthorizationState {
    const { input } = this;
    return {
      phase: 'AwaitingAuthorization',
      ...(input.authorizedAmount !== undefined && { announcedAmount: input.authorizedAmount }),
      ...(input.currency !== undefined && { currency: input.currency }),
      failedAttempts: 0,
      abandonAt: new Date(Date.parse(this.startedAt) + this.policy.abandonAfterMs).toISOString(),
      checks: 0,
    };
  }

  /** What continues into the next run. */
  carry(): CarriedState {
    return {
      ...(this.ledger && { ledger: this.ledger }),
      startedAt: this.startedAt,
      nextOperationId: this.nextOperationId,
      queue: this.queue,
      recent: this.bounded ? this.recent.map(withoutLines) : this.recent,
      references: [...this.references.entries()],
      fingerprints: [...this.fingerprints.entries()],
      needsAttention: this.needsAttention,
      attentionReasons: this.attentionReasons,
      rejectedSignals: this.rejectedSignals,
      tokenDeleted: this.tokenDeleted,
      closeTokenAttempted: this.closeTokenAttempted,
      expiryHandled: this.expiryHandled,
      ...(this.settledAt !== undefined && { settledAt: new Date(this.settledAt).toISOString() }),
      callbacksReceived: this.callbacksReceived,
      ...(this.authorization && { authorization: this.authorization }),
      ...(this.paymentMethod !== undefined && { paymentMethod: this.paymentMethod }),
    };
  }

  /** Room for another requested operation: each takes a number, up to the scheme's last or the cap of 999. */
  hasRoomForOperation(): boolean {
    return this.nextOperationId <= this.lastOperationNumber() - POLICY_RESERVE;
  }

  private lastOperationNumber(): number {
    const last = maxSequence(this.policy.payeeReference);
    return this.bounded ? Math.min(last, OPERATION_LIMIT) : last;
  }

  /** A token to delete: one the starter named, or, for a payment order, whatever tokens its payment created. */
  hasTokenToDelete(): boolean {
    return this.input.paymentToken !== undefined || this.instrument === 'paymentorder';
  }

  now(): number {
    return this.effects.now();
  }

  /** A line for the worker's log (nothing while replaying, and nothing in unit tests without a logger). */
  log(level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void {
    this.effects.log?.(level, message, fields);
  }

  awaitingAuthorization(): boolean {
    return this.authorization?.phase === 'AwaitingAuthorization';
  }

  /** The ledger shown before there is one: empty while (or because) nothing was authorized. */
  shownLedger(): Ledger | undefined {
    return this.ledger ?? (this.authorization ? emptyLedger(this.authorization.currency ?? 'XXX') : undefined);
  }

  /** Search attributes and Web UI details follow every change. */
  refresh(): void {
    this.effects.show(this);
  }

  /** What changed is shown before the run ends (completes or continues as new). */
  refreshNow(): void {
    this.effects.showNow?.(this);
  }

  flag(reason: string): void {
    this.log('warn', `payment flagged: ${reason}`, { reason });
    this.needsAttention = true;
    this.attentionReasons.push(`${new Date(this.now()).toISOString()} ${reason}`);
    if (this.attentionReasons.length > ATTENTION_LIMIT) {
      this.attentionReasons.splice(0, this.attentionReasons.length - ATTENTION_LIMIT);
    }
    this.refresh(); // the NeedsAttention search attribute must show at once, also mid-operation
  }

  rejectSignal(signal: string, rejection: Rejection, reference?: string): void {
    this.rejectedSignals.push({
      signal,
      ...(reference !== undefined && { reference }),
      code: rejection.code,
      message: rejection.message,
      at: new Date(this.now()).toISOString(),
    });
    if (this.rejectedSignals.length > REJECTED_SIGNAL_LIMIT) this.rejectedSignals.splice(0, 1);
    this.flag(`${signal} rejected: ${rejection.message}`);
  }

  /** Seen before: the same operation again (true), or a different request under a used reference. */
  seenBefore(kind: OperationKind, request: { reference?: string; amount?: number; vatAmount?: number }) {
    return seenBefore(this.fingerprints, kind, request);
  }

  /** The result of a reference seen before: null while its operation runs. */
  resultOfReference(kind: OperationKind, reference: string): OperationResult | null | undefined {
    return this.references.get(referenceKey(kind, reference));
  }

  enqueue(kind: OperationKind, source: OperationRecord['source'], fields: Partial<OperationRecord>): OperationRecord {
    const id = this.nextOperationId++;
    const status: OperationStatus = this.awaitingAuthorization() ? 'held' : 'queued';
    const op: OperationRecord = { ...fields, id, kind, source, status };
    // Fixed now, before any activity is scheduled: every retry of this operation reuses it.
    if (kind === 'capture' || kind === 'cancellation' || kind === 'reversal') {
      op.payeeReference = payeeReferenceFor(this.input.paymentId, kind, id, this.policy.payeeReference);
    }
    if (op.reference !== undefined) {
      this.references.set(referenceKey(kind, op.reference), null);
      this.fingerprints.set(referenceKey(kind, op.reference), fingerprint(op));
    }
    this.queue.push(op);
    this.log('info', `${kind} queued (${source}${op.status === 'held' ? ', held until authorized' : ''})`, {
      ...operationFields(op),
      ...(op.amount !== undefined && { amount: op.amount }),
    });
    this.refresh();
    return op;
  }

  /**
   * Queues an operation of the workflow's own (a policy's cancellation). It takes one of the numbers
   * kept back from requests; with none left it is not queued, and the payment is flagged instead.
   */
  enqueuePolicy(kind: 'cancellation', fields: Partial<OperationRecord>): boolean {
    if (this.nextOperationId > this.lastOperationNumber()) {
      this.flag(`no operation number left for the ${kind} (${fields.reference ?? 'policy'}): do it by hand`);
      return false;
    }
    this.enqueue(kind, 'policy', fields);
    return true;
  }

  /** An operation is done: its result answers the update and the reference, and it leaves the queue. */
  retire(op: OperationRecord, result: OperationResult): void {
    op.status = 'done';
    op.result = result;
    delete op.progress;
    if (op.reference !== undefined) this.references.set(referenceKey(op.kind, op.reference), result);
    const index = this.queue.indexOf(op);
    if (index >= 0) this.queue.splice(index, 1);
    this.recent.push(op);
    if (this.recent.length > RECENT_LIMIT) this.recent.splice(0, this.recent.length - RECENT_LIMIT);
    this.log(result.state === 'Completed' ? 'info' : 'warn', `${op.kind} settled: ${result.state}`, {
      ...operationFields(op),
      state: result.state,
      ...(result.amount !== undefined && { amount: result.amount }),
      ...(result.number !== undefined && { number: result.number }),
      ...(result.failureType !== undefined && { failureType: result.failureType, failureReason: result.failureReason }),
    });
  }

  /** The answer an operation refused at its turn gets; a refused event is also recorded as rejected. */
  rejected(op: OperationRecord, rejection: Rejection): OperationResult {
    if (op.source !== 'update') this.rejectSignal(`${op.kind} (${op.source})`, rejection, op.reference);
    return {
      operationId: op.id,
      kind: op.kind,
      ...(op.reference !== undefined && { reference: op.reference }),
      state: 'Rejected',
      failureReason: rejection.message,
      failureType: rejection.code,
    };
  }

  /** The token is deleted when the lifecycle closes, once: a refusal is flagged, not retried in a loop. */
  enqueueCloseTokenDeletion(): boolean {
    if (!this.policy.deleteTokenOnClose || !this.hasTokenToDelete() || this.tokenDeleted || this.closeTokenAttempted) {
      return false;
    }
    this.closeTokenAttempted = true;
    this.enqueue('delete-token', 'policy', { comment: 'Payment lifecycle closed' });
    return true;
  }
}
