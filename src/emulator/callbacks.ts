/**
 * Callbacks as Swedbank Pay sends them: after every change, POST `{payment:{id,number},
 * transaction:{id,number}}` to the payment's callbackUrl (for a payment order, the v3.1 body
 * `{orderReference?, paymentOrder:{id,instrument,number}}`), retrying non-2xx answers and network
 * errors on a schedule (by default about 21 minutes in total). Callbacks are hints, and real ones
 * arrive late, twice, out of order or never: seeded callback faults reproduce exactly that.
 */
import { z } from 'zod';
import { exchange } from '../swedbank/http-exchange.js';
import { createRandom, deriveSeed, type Random } from './random.js';
import { paymentPath, transactionPath } from './resources.js';
import type { StoredPayment, StoredTransaction } from './store.js';
import { TimerRegistry } from './timers.js';

/** Delays before each attempt, relative to the previous one: 0, 1, 5 and 15 minutes (21 in all). */
export const SWEDBANK_PAY_CALLBACK_RETRY_SCHEDULE_MS: readonly number[] = [0, 60_000, 300_000, 900_000];
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5_000;
/** A reordered (held) callback goes out after the next one, or after this long if none comes. */
export const DEFAULT_REORDER_HOLD_MS = 30_000;

const Probability = z.number().min(0).max(1).default(1);

export const CallbackFaultRule = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('delay'),
    ms: z.number().int().nonnegative().max(3_600_000),
    probability: Probability,
  }),
  z.strictObject({ kind: z.literal('duplicate'), probability: Probability }),
  z.strictObject({ kind: z.literal('reorder'), probability: Probability }),
  z.strictObject({ kind: z.literal('drop'), probability: Probability }),
]);
export type CallbackFaultRuleInput = z.input<typeof CallbackFaultRule>;
type CallbackFaultRuleParsed = z.output<typeof CallbackFaultRule>;

export const CallbackFaultRuleSet = z.strictObject({
  seed: z.number().int().optional(),
  rules: z.array(CallbackFaultRule),
});

/** Keeps memory bounded under load; the newest entries are kept. */
export const MAX_CALLBACK_LOG_ENTRIES = 10_000;

/** The callback body on the wire; `number`s are integers, as in the seed examples. */
export interface CallbackWireBody {
  payment: { id: string; number: number };
  transaction: { id: string; number: number };
}

/** The v3.1 payment order callback: the order, its payment method and the transaction's number. */
export interface PaymentOrderCallbackWireBody {
  orderReference?: string;
  paymentOrder: { id: string; instrument: string; number: number };
}

/** What a callback is about: a legacy payment or a payment order. */
export type CallbackResource = 'payment' | 'paymentorder';

export type CallbackEvent = 'dropped' | 'held' | 'attempt' | 'gave-up';

/** One line of GET /_emulator/callbacks about a legacy payment. */
export interface CallbackLogEntry extends CallbackLogEntryOf<CallbackWireBody> {
  resource: 'payment';
}

/** One line of GET /_emulator/callbacks about a payment order. */
export interface PaymentOrderCallbackLogEntry extends CallbackLogEntryOf<PaymentOrderCallbackWireBody> {
  resource: 'paymentorder';
}

export type AnyCallbackLogEntry = CallbackLogEntry | PaymentOrderCallbackLogEntry;

interface CallbackLogEntryOf<B> {
  resource: CallbackResource;
  sequence: number;
  at: string;
  /** One notification; its duplicate copies share the id. */
  callbackId: number;
  copy: number;
  event: CallbackEvent;
  url: string;
  body: B;
  attempt?: number;
  status?: number;
  error?: string;
  delivered?: boolean;
}

export interface CallbackOptions {
  seed: number;
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  reorderHoldMs?: number;
}

interface Notification {
  callbackId: number;
  url: string;
  resource: CallbackResource;
  body: CallbackWireBody | PaymentOrderCallbackWireBody;
  delayMs: number;
  copies: number;
}

interface FaultDecision {
  drop: boolean;
  reorder: boolean;
  duplicate: boolean;
  delayMs: number;
}

const CALLBACK_FAULT_STREAM = 2;

export function callbackBody(payment: StoredPayment, transaction: StoredTransaction): CallbackWireBody {
  return {
    payment: { id: paymentPath(payment), number: payment.number },
    transaction: { id: transactionPath(payment, transaction), number: transaction.number },
  };
}

export class CallbackDispatcher {
  private readonly initialSeed: number;
  private readonly retryScheduleMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly reorderHoldMs: number;
  private readonly timers = new TimerRegistry();
  private inFlight = new AbortController();
  private random: Random;
  private seed: number;
  private rules: CallbackFaultRuleParsed[] = [];
  private log: AnyCallbackLogEntry[] = [];
  private held: { notification: Notification; release: () => void }[] = [];
  private nextCallbackId = 1;
  private nextSequence = 1;
  private closed = false;

  constructor(options: CallbackOptions) {
    this.initialSeed = options.seed;
    this.seed = options.seed;
    this.random = createRandom(deriveSeed(options.seed, CALLBACK_FAULT_STREAM));
    this.retryScheduleMs = options.retryScheduleMs ?? SWEDBANK_PAY_CALLBACK_RETRY_SCHEDULE_MS;
    if (this.retryScheduleMs.length === 0) throw new RangeError('callbackRetryScheduleMs needs at least one entry');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
    this.reorderHoldMs = options.reorderHoldMs ?? DEFAULT_REORDER_HOLD_MS;
  }

  replaceFaults(rules: CallbackFaultRuleParsed[], seed?: number): void {
    this.rules = rules;
    this.seed = seed ?? this.seed;
    this.random = createRandom(deriveSeed(this.seed, CALLBACK_FAULT_STREAM));
  }

  faults(): { seed: number; rules: CallbackFaultRuleParsed[] } {
    return { seed: this.seed, rules: this.rules };
  }

  entries(): AnyCallbackLogEntry[] {
    return [...this.log];
  }

  /** Tells the payment's callbackUrl (if any) that the payment or this transaction changed. */
  notify(payment: StoredPayment, transaction: StoredTransaction): void {
    if (payment.callbackUrl === undefined) return;
    this.send(payment.callbackUrl, callbackBody(payment, transaction), 'payment');
  }

  /** Sends one callback body to `url`, with the callback faults and the retry schedule in force. */
  send(url: string, body: CallbackWireBody, resource: 'payment'): void;
  send(url: string, body: PaymentOrderCallbackWireBody, resource: 'paymentorder'): void;
  send(url: string, body: CallbackWireBody | PaymentOrderCallbackWireBody, resource: CallbackResource): void {
    if (this.closed) return;
    const faults = this.rollFaults();
    const notification: Notification = {
      callbackId: this.nextCallbackId++,
      url,
      resource,
      body,
      delayMs: faults.delayMs,
      copies: faults.duplicate ? 2 : 1,
    };
    if (faults.drop) {
      this.record(notification, 1, { event: 'dropped' });
      return;
    }
    if (faults.reorder) {
      this.hold(notification);
      return;
    }
    const earlier = this.takeHeld();
    const firstAttempts = this.dispatch(notification);
    // The held ones go out only once this one has been tried, so the receiver sees them swapped.
    void firstAttempts.then(() => {
      for (const release of earlier) release();
    });
  }

  /** POST /_emulator/reset: forget faults, log and pending deliveries. */
  reset(): void {
    this.timers.cancelAll();
    this.inFlight.abort();
    this.inFlight = new AbortController();
    this.held = [];
    this.log = [];
    this.rules = [];
    this.nextCallbackId = 1;
    this.nextSequence = 1;
    this.replaceFaults([], this.initialSeed);
  }

  close(): void {
    this.closed = true;
    this.timers.close();
    this.inFlight.abort();
    this.held = [];
  }

  /** One draw per rule for every notification, so the same seed gives the same decisions. */
  private rollFaults(): FaultDecision {
    const decision: FaultDecision = { drop: false, reorder: false, duplicate: false, delayMs: 0 };
    for (const rule of this.rules) {
      if (!this.random.chance(rule.probability)) continue;
      if (rule.kind === 'delay') decision.delayMs += rule.ms;
      else if (rule.kind === 'drop') decision.drop = true;
      else if (rule.kind === 'reorder') decision.reorder = true;
      else decision.duplicate = true;
    }
    return decision;
  }

  private hold(notification: Notification): void {
    this.record(notification, 1, { event: 'held' });
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      cancelFallback();
      this.held = this.held.filter((entry) => entry.notification !== notification);
      void this.dispatch(notification);
    };
    const cancelFallback = this.timers.schedule(this.reorderHoldMs, release);
    this.held.push({ notification, release });
  }

  /** Releases are idempotent, so a held callback taken by two later ones still goes out once. */
  private takeHeld(): (() => void)[] {
    return this.held.map((entry) => entry.release);
  }

  /** Sends every copy; resolves once each copy's first attempt has finished. */
  private dispatch(notification: Notification): Promise<void> {
    const copies = Array.from({ length: notification.copies }, (_, index) => index + 1);
    return Promise.all(
      copies.map(
        (copy) =>
          new Promise<void>((firstAttemptDone) => {
            this.scheduleAttempt(notification, copy, 1, notification.delayMs, firstAttemptDone);
          }),
      ),
    ).then(() => undefined);
  }

  private scheduleAttempt(
    notification: Notification,
    copy: number,
    attempt: number,
    extraDelayMs: number,
    attemptDone: () => void,
  ): void {
    const delayMs = (this.retryScheduleMs[attempt - 1] ?? 0) + extraDelayMs;
    // When reset or close cancels the timer, attemptDone never runs: nobody waits any more.
    this.timers.schedule(delayMs, () => {
      void this.attempt(notification, copy, attempt).then(attemptDone);
    });
  }

  private async attempt(notification: Notification, copy: number, attempt: number): Promise<void> {
    const result = await this.post(notification);
    this.record(notification, copy, { event: 'attempt', attempt, ...result });
    if (result.delivered || this.closed) return;
    if (attempt < this.retryScheduleMs.length) {
      this.scheduleAttempt(notification, copy, attempt + 1, 0, () => undefined);
    } else {
      this.record(notification, copy, { event: 'gave-up', attempt });
    }
  }

  private async post(notification: Notification): Promise<{ delivered: boolean; status?: number; error?: string }> {
    try {
      const response = await exchange(new URL(notification.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(notification.body),
        signal: AbortSignal.any([this.inFlight.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      return { delivered: response.status >= 200 && response.status < 300, status: response.status };
    } catch (error) {
      return { delivered: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  private record(
    notification: Notification,
    copy: number,
    details: Pick<CallbackLogEntry, 'event' | 'attempt' | 'status' | 'error' | 'delivered'>,
  ): void {
    if (this.log.length >= MAX_CALLBACK_LOG_ENTRIES) this.log.shift();
    // send()'s overloads pair each resource with its body, so the entry is one of the two kinds.
    this.log.push({
      resource: notification.resource,
      sequence: this.nextSequence++,
      at: new Date().toISOString(),
      callbackId: notification.callbackId,
      copy,
      url: notification.url,
      body: notification.body,
      ...details,
    } as AnyCallbackLogEntry);
  }
}
