/**
 * The emulator's state and Swedbank Pay's rules, in memory and without I/O: payments, their
 * transactions, the payee-wide payeeReference registry, the consecutive-failure counter and lock.
 * Every operation either returns its result or a typed rule violation (problem kind, status,
 * problems[]) that the HTTP layer turns into application/problem+json.
 */
import { randomUUID } from 'node:crypto';
import type { ProblemKind } from '../swedbank/problem-types.js';
import type { Instrument, PaymentState, TransactionState, TransactionType } from '../swedbank/schemas.js';
import { totalsOf, type Totals } from './totals.js';

/** Swedbank Pay locks a payment after this many consecutive failed captures or reversals. */
export const CONSECUTIVE_FAILURES_BEFORE_LOCK = 5;

export const ALREADY_USED_DESCRIPTION = 'The given PayeeReference has already been used for another transaction';

export type AfterPaymentType = Extract<TransactionType, 'Capture' | 'Cancellation' | 'Reversal'>;
export type StoredTransactionType = 'Authorization' | AfterPaymentType;

export interface StoredTransaction {
  readonly id: string;
  readonly number: number;
  readonly type: StoredTransactionType;
  state: TransactionState;
  readonly amount: number;
  readonly vatAmount: number;
  readonly description: string;
  readonly payeeReference: string;
  failedReason?: string;
  readonly created: string;
  updated: string;
}

export interface StoredPayment {
  readonly id: string;
  readonly number: number;
  readonly instrument: Instrument;
  readonly currency: string;
  readonly amount: number;
  readonly vatAmount: number;
  readonly description: string;
  readonly payeeReference: string;
  readonly callbackUrl?: string;
  readonly paymentToken?: string;
  readonly created: string;
  updated: string;
  aborted: boolean;
  /** The payment failed for good (its authorization was declined and no retry is possible). */
  failed: boolean;
  /**
   * Created already authorized by the admin API. Such payments stay abortable until their first
   * capture, cancellation or reversal (as they always have here); a payment the payer authorizes
   * through the emulator follows Swedbank Pay's rule, where the authorization counts as a successful
   * transaction and so ends abort.
   */
  readonly preAuthorized: boolean;
  /** Failed captures/reversals (declined or rule-rejected) since the last completed one. */
  consecutiveFailures: number;
  locked: boolean;
  readonly transactions: StoredTransaction[];
}

export type PaymentTotals = Omit<Totals, 'sold'>;

/** What the payment allows right now; the operations list of the payment resource mirrors it. */
export interface AllowedOperations {
  capture: boolean;
  cancellation: boolean;
  reversal: boolean;
  abort: boolean;
}

export interface ProblemDetail {
  name: string;
  description: string;
}

export interface RuleViolation {
  kind: ProblemKind;
  status: number;
  detail: string;
  problems: ProblemDetail[];
}

export type RuleResult<T> = { ok: true; value: T } | { ok: false; violation: RuleViolation };

/** How a new transaction ends up: at once (Completed/Failed) or later (Initialized, payment Pending). */
export type PlannedOutcome =
  { state: 'Completed' } | { state: 'Failed'; failedReason: string } | { state: 'Initialized' };

export interface NewPayment {
  /** Not authorized yet: no authorization until authorizePayment (or failAuthorization). */
  awaitingAuthorization?: boolean;
  instrument: Instrument;
  amount: number;
  vatAmount: number;
  currency: string;
  description: string;
  payeeReference?: string;
  callbackUrl?: string;
  paymentToken?: string;
}

interface MoneyTransactionRequest {
  type: 'Capture' | 'Reversal';
  amount: number;
  vatAmount: number;
  description: string;
  payeeReference: string;
}

interface CancellationRequest {
  type: 'Cancellation';
  description: string;
  payeeReference: string;
}

export type TransactionRequest = MoneyTransactionRequest | CancellationRequest;

export interface TransactionChange<P extends PlannedOutcome = PlannedOutcome> {
  payment: StoredPayment;
  transaction: StoredTransaction;
  plan: P;
}

export interface StoredToken {
  readonly paymentToken: string;
  deleted: boolean;
}

export interface StoreOptions {
  payeeId: string;
  now?: () => Date;
}

const FIRST_NUMBER = 40_000_000_001;

function ok<T>(value: T): RuleResult<T> {
  return { ok: true, value };
}

function violation<T>(kind: ProblemKind, status: number, detail: string, problems: ProblemDetail[]): RuleResult<T> {
  return { ok: false, violation: { kind, status, detail, problems } };
}

/** The VAT share of a part of the payment, rounded down; exact integer arithmetic, no floats. */
function proportionalVat(payment: StoredPayment, part: number): number {
  if (payment.amount === 0) return 0;
  return Number((BigInt(payment.vatAmount) * BigInt(part)) / BigInt(payment.amount));
}

export function paymentTotals(payment: StoredPayment): PaymentTotals {
  // A legacy payment has no Sale: its totals are the shared ones without `sold`.
  const { sold: _sold, ...totals } = totalsOf(payment.transactions);
  return totals;
}

/** Pending while any transaction's outcome is not known yet. */
export function isPending(payment: StoredPayment): boolean {
  return payment.transactions.some((t) => t.state === 'Initialized' || t.state === 'AwaitingActivity');
}

export function paymentState(payment: StoredPayment): PaymentState {
  if (payment.aborted) return 'Aborted';
  if (payment.failed) return 'Failed';
  if (isPending(payment)) return 'Pending';
  return 'Ready';
}

/** The payer has authorized the payment (a Completed Authorization). */
export function isAuthorized(payment: StoredPayment): boolean {
  return payment.transactions.some((t) => t.type === 'Authorization' && t.state === 'Completed');
}

/**
 * Abort is allowed only while the payment has no successful transaction. The authorization of a
 * payment created already authorized does not count (see StoredPayment.preAuthorized).
 */
function hasSuccessfulTransaction(payment: StoredPayment): boolean {
  return payment.transactions.some(
    (t) => t.state === 'Completed' && (t.type !== 'Authorization' || !payment.preAuthorized),
  );
}

export function allowedOperations(payment: StoredPayment): AllowedOperations {
  const state = paymentState(payment);
  if (state !== 'Ready') return { capture: false, cancellation: false, reversal: false, abort: false };
  const totals = paymentTotals(payment);
  return {
    capture: !payment.locked && totals.remainingCaptureAmount > 0,
    cancellation: totals.remainingCancellationAmount > 0,
    reversal: !payment.locked && totals.remainingReversalAmount > 0,
    abort: !hasSuccessfulTransaction(payment),
  };
}

const paymentNotFound = <T>(paymentId: string): RuleResult<T> =>
  violation('notfound', 404, `No payment with id ${paymentId}`, [{ name: 'Id', description: 'Payment not found' }]);

export class EmulatorStore {
  readonly payeeId: string;
  private readonly now: () => Date;
  private payments = new Map<string, StoredPayment>();
  /** payeeReference -> the transaction that used it; one registry for the whole payee. */
  private payeeReferences = new Map<string, { paymentId: string; transactionId?: string }>();
  /** transaction id -> payment id, for the admin API that knows only a transaction id. */
  private transactionOwners = new Map<string, string>();
  private tokens = new Map<string, StoredToken>();
  private nextNumber = FIRST_NUMBER;

  constructor(options: StoreOptions) {
    this.payeeId = options.payeeId;
    this.now = options.now ?? (() => new Date());
  }

  reset(): void {
    this.payments = new Map();
    this.payeeReferences = new Map();
    this.transactionOwners = new Map();
    this.tokens = new Map();
    this.nextNumber = FIRST_NUMBER;
  }

  payment(paymentId: string): StoredPayment | undefined {
    return this.payments.get(paymentId);
  }

  allPayments(): StoredPayment[] {
    return [...this.payments.values()];
  }

  transaction(paymentId: string, transactionId: string): StoredTransaction | undefined {
    return this.payments.get(paymentId)?.transactions.find((t) => t.id === transactionId);
  }

  /** Finds a transaction by id alone (the admin API gets only a transaction id). */
  findTransaction(transactionId: string): { payment: StoredPayment; transaction: StoredTransaction } | undefined {
    const paymentId = this.transactionOwners.get(transactionId);
    const payment = paymentId === undefined ? undefined : this.payments.get(paymentId);
    const transaction = payment && this.transaction(payment.id, transactionId);
    return payment && transaction ? { payment, transaction } : undefined;
  }

  /** An already authorized payment: one Completed Authorization for the full amount. */
  createAuthorizedPayment(input: NewPayment): RuleResult<StoredPayment> {
    return this.createPayment({ ...input, awaitingAuthorization: false });
  }

  /**
   * A payment: already authorized (one Completed Authorization for the full amount), or, with
   * awaitingAuthorization, as Swedbank Pay shows it while the payer is still paying: Ready, no
   * authorization, only abort offered.
   */
  createPayment(input: NewPayment): RuleResult<StoredPayment> {
    const payeeReference = input.payeeReference ?? `EMU${this.nextNumber}`;
    if (this.payeeReferences.has(payeeReference)) return this.payeeReferenceAlreadyUsed();
    const timestamp = this.timestamp();
    const payment: StoredPayment = {
      id: randomUUID(),
      number: this.takeNumber(),
      instrument: input.instrument,
      currency: input.currency,
      amount: input.amount,
      vatAmount: input.vatAmount,
      description: input.description,
      payeeReference,
      callbackUrl: input.callbackUrl,
      paymentToken: input.paymentToken,
      created: timestamp,
      updated: timestamp,
      aborted: false,
      failed: false,
      preAuthorized: input.awaitingAuthorization !== true,
      consecutiveFailures: 0,
      locked: false,
      transactions: [],
    };
    this.payments.set(payment.id, payment);
    if (payment.preAuthorized) {
      this.addTransaction(payment, {
        type: 'Authorization',
        state: 'Completed',
        amount: input.amount,
        vatAmount: input.vatAmount,
        description: input.description,
        payeeReference,
      });
    } else {
      // Reserved now: the authorization to come carries the payment's payeeReference.
      this.payeeReferences.set(payeeReference, { paymentId: payment.id });
    }
    if (input.paymentToken !== undefined && !this.tokens.has(input.paymentToken)) {
      this.tokens.set(input.paymentToken, { paymentToken: input.paymentToken, deleted: false });
    }
    return ok(payment);
  }

  /**
   * A capture, cancellation or reversal. Rules run in Swedbank Pay's order; payeeReference reuse
   * comes first so that a retry of a committed request always gets "already used". `decide` is
   * called only once every rule passed, so it may consume one-shot outcome rules.
   */
  createTransaction<P extends PlannedOutcome>(
    paymentId: string,
    request: TransactionRequest,
    decide: () => P,
  ): RuleResult<TransactionChange<P>> {
    const payment = this.payments.get(paymentId);
    if (!payment) return paymentNotFound(paymentId);
    if (this.payeeReferences.has(request.payeeReference)) return this.payeeReferenceAlreadyUsed();
    const stateRejection = this.checkAcceptsTransaction(payment, request.type);
    if (stateRejection) return { ok: false, violation: stateRejection };
    const amountRejection = this.checkAmount(payment, request);
    if (amountRejection) {
      if (request.type !== 'Cancellation') this.countFailure(payment);
      return { ok: false, violation: amountRejection };
    }
    const plan = decide();
    const { amount, vatAmount } = this.transactionAmounts(payment, request);
    const transaction = this.addTransaction(payment, {
      type: request.type,
      state: plan.state,
      amount,
      vatAmount,
      description: request.description,
      payeeReference: request.payeeReference,
      failedReason: plan.state === 'Failed' ? plan.failedReason : undefined,
    });
    this.applyOutcomeToCounter(payment, transaction);
    return ok({ payment, transaction, plan });
  }

  /** Completes or fails an Initialized transaction (async outcome); the payment leaves Pending. */
  settleTransaction(
    paymentId: string,
    transactionId: string,
    outcome: 'Completed' | 'Failed',
    failedReason?: string,
  ): RuleResult<{ payment: StoredPayment; transaction: StoredTransaction }> {
    const payment = this.payments.get(paymentId);
    const transaction = payment && this.transaction(paymentId, transactionId);
    if (!payment || !transaction) {
      return violation('notfound', 404, `No transaction with id ${transactionId}`, [
        { name: 'TransactionId', description: 'Transaction not found' },
      ]);
    }
    if (transaction.state !== 'Initialized' && transaction.state !== 'AwaitingActivity') {
      return violation('forbidden', 409, `Transaction ${transactionId} is already ${transaction.state}`, [
        { name: 'TransactionId', description: `The transaction is ${transaction.state}, not Initialized` },
      ]);
    }
    transaction.state = outcome;
    if (outcome === 'Failed') transaction.failedReason = failedReason ?? 'Declined by the emulator';
    transaction.updated = this.timestamp();
    payment.updated = transaction.updated;
    this.applyOutcomeToCounter(payment, transaction);
    return ok({ payment, transaction });
  }

  /**
   * The payer authorizes a payment that awaits it: a Completed Authorization for `amount` (default
   * the payment's amount; another amount models a partial authorization).
   */
  authorize(
    paymentId: string,
    amount?: number,
  ): RuleResult<{ payment: StoredPayment; transaction: StoredTransaction }> {
    const payment = this.payments.get(paymentId);
    if (!payment) return paymentNotFound(paymentId);
    const refused = this.checkAuthorizable(payment);
    if (refused) return { ok: false, violation: refused };
    const authorized = amount ?? payment.amount;
    const transaction = this.addTransaction(payment, {
      type: 'Authorization',
      state: 'Completed',
      amount: authorized,
      vatAmount: proportionalVat(payment, authorized),
      description: payment.description,
      payeeReference: payment.payeeReference,
    });
    return ok({ payment, transaction });
  }

  /**
   * The payer's authorization is declined: a Failed Authorization. Final (default), the payment is
   * Failed; otherwise it stays Ready and the payer may try again.
   */
  failAuthorization(
    paymentId: string,
    options: { failedReason?: string; final?: boolean } = {},
  ): RuleResult<{ payment: StoredPayment; transaction: StoredTransaction }> {
    const payment = this.payments.get(paymentId);
    if (!payment) return paymentNotFound(paymentId);
    const refused = this.checkAuthorizable(payment);
    if (refused) return { ok: false, violation: refused };
    const transaction = this.addTransaction(payment, {
      type: 'Authorization',
      state: 'Failed',
      amount: payment.amount,
      vatAmount: payment.vatAmount,
      description: payment.description,
      payeeReference: payment.payeeReference,
      failedReason: options.failedReason ?? 'Authorization declined by the emulator',
    });
    if (options.final !== false) payment.failed = true;
    return ok({ payment, transaction });
  }

  abort(paymentId: string): RuleResult<StoredPayment> {
    const payment = this.payments.get(paymentId);
    if (!payment) return paymentNotFound(paymentId);
    const state = paymentState(payment);
    if (state !== 'Ready') {
      return violation('forbidden', 403, `The payment is ${state} and cannot be aborted`, [
        { name: 'Payment', description: `Abort is not allowed while the payment is ${state}` },
      ]);
    }
    if (hasSuccessfulTransaction(payment)) {
      return violation('forbidden', 403, 'The payment has a successful transaction and cannot be aborted', [
        { name: 'Payment', description: 'Abort is only allowed while the payment has no successful transaction' },
      ]);
    }
    payment.aborted = true;
    payment.updated = this.timestamp();
    return ok(payment);
  }

  /** The payee-wide registry, shared with payment orders: a payeeReference is used once in all. */
  isPayeeReferenceUsed(payeeReference: string): boolean {
    return this.payeeReferences.has(payeeReference);
  }

  claimPayeeReference(payeeReference: string, ownerId: string, transactionId?: string): void {
    this.payeeReferences.set(payeeReference, { paymentId: ownerId, transactionId });
  }

  token(paymentToken: string): StoredToken | undefined {
    return this.tokens.get(paymentToken);
  }

  allTokens(): StoredToken[] {
    return [...this.tokens.values()];
  }

  /** Marks a payment token deleted. Idempotent: deleting a deleted token answers the same. */
  deleteToken(paymentToken: string): RuleResult<StoredToken> {
    const token = this.tokens.get(paymentToken);
    if (!token) {
      return violation('notfound', 404, 'No such payment token', [
        { name: 'PaymentToken', description: 'Payment token not found' },
      ]);
    }
    token.deleted = true;
    return ok(token);
  }

  /** Only a payment that is Ready and not authorized yet can be authorized (or declined). */
  private checkAuthorizable(payment: StoredPayment): RuleViolation | undefined {
    const state = paymentState(payment);
    if (state !== 'Ready') {
      return {
        kind: 'forbidden',
        status: 403,
        detail: `The payment is ${state} and cannot be authorized`,
        problems: [{ name: 'Payment', description: `No authorization is possible while the payment is ${state}` }],
      };
    }
    if (isAuthorized(payment)) {
      return {
        kind: 'forbidden',
        status: 409,
        detail: 'The payment is already authorized',
        problems: [{ name: 'Payment', description: 'The payment already has a completed authorization' }],
      };
    }
    return undefined;
  }

  private checkAcceptsTransaction(payment: StoredPayment, type: AfterPaymentType): RuleViolation | undefined {
    const state = paymentState(payment);
    if (state !== 'Ready') {
      return {
        kind: 'forbidden',
        status: 403,
        detail: `The payment is ${state} and accepts no new transaction`,
        problems: [{ name: 'Payment', description: `No ${type} is allowed while the payment is ${state}` }],
      };
    }
    if (!isAuthorized(payment)) {
      return {
        kind: 'forbidden',
        status: 403,
        detail: 'The payment is not authorized and accepts no new transaction',
        problems: [{ name: 'Payment', description: `No ${type} is allowed before the payment is authorized` }],
      };
    }
    if (payment.locked && type !== 'Cancellation') {
      return {
        kind: 'forbidden',
        status: 403,
        detail: `The payment is locked after ${CONSECUTIVE_FAILURES_BEFORE_LOCK} consecutive failed captures or reversals`,
        problems: [
          {
            name: 'Payment',
            description: `The payment is locked: ${CONSECUTIVE_FAILURES_BEFORE_LOCK} consecutive failed captures or reversals`,
          },
        ],
      };
    }
    return undefined;
  }

  private checkAmount(payment: StoredPayment, request: TransactionRequest): RuleViolation | undefined {
    const totals = paymentTotals(payment);
    if (request.type === 'Cancellation') {
      if (totals.remainingCancellationAmount > 0) return undefined;
      return {
        kind: 'forbidden',
        status: 403,
        detail: 'Nothing is left to cancel',
        problems: [{ name: 'Payment', description: 'The remaining cancellation amount is 0' }],
      };
    }
    const [remaining, what] =
      request.type === 'Capture'
        ? [totals.remainingCaptureAmount, 'remaining capture amount']
        : [totals.remainingReversalAmount, 'remaining reversal amount'];
    if (request.amount <= remaining) return undefined;
    return {
      kind: 'inputerror',
      status: 400,
      detail: `Amount ${request.amount} exceeds the ${what} ${remaining}`,
      problems: [{ name: 'Transaction.Amount', description: `The amount exceeds the ${what} (${remaining})` }],
    };
  }

  /** A cancellation takes exactly the remainder, with its proportional share of the VAT. */
  private transactionAmounts(
    payment: StoredPayment,
    request: TransactionRequest,
  ): { amount: number; vatAmount: number } {
    if (request.type !== 'Cancellation') return { amount: request.amount, vatAmount: request.vatAmount };
    const amount = paymentTotals(payment).remainingCancellationAmount;
    return { amount, vatAmount: proportionalVat(payment, amount) };
  }

  private applyOutcomeToCounter(payment: StoredPayment, transaction: StoredTransaction): void {
    if (transaction.type !== 'Capture' && transaction.type !== 'Reversal') return;
    if (transaction.state === 'Completed') payment.consecutiveFailures = 0;
    if (transaction.state === 'Failed') this.countFailure(payment);
  }

  private countFailure(payment: StoredPayment): void {
    payment.consecutiveFailures += 1;
    if (payment.consecutiveFailures >= CONSECUTIVE_FAILURES_BEFORE_LOCK) payment.locked = true;
  }

  private payeeReferenceAlreadyUsed<T>(): RuleResult<T> {
    return violation('inputerror', 400, 'The payeeReference is not unique for this payee', [
      { name: 'PayeeReference', description: ALREADY_USED_DESCRIPTION },
    ]);
  }

  private addTransaction(
    payment: StoredPayment,
    fields: Omit<StoredTransaction, 'id' | 'number' | 'created' | 'updated'>,
  ): StoredTransaction {
    const timestamp = this.timestamp();
    const { failedReason, ...rest } = fields;
    const transaction: StoredTransaction = {
      ...rest,
      ...(failedReason === undefined ? {} : { failedReason }),
      id: randomUUID(),
      number: this.takeNumber(),
      created: timestamp,
      updated: timestamp,
    };
    payment.transactions.push(transaction);
    payment.updated = timestamp;
    this.payeeReferences.set(transaction.payeeReference, { paymentId: payment.id, transactionId: transaction.id });
    this.transactionOwners.set(transaction.id, payment.id);
    return transaction;
  }

  private takeNumber(): number {
    const number = this.nextNumber;
    this.nextNumber += 1;
    return number;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }
}
