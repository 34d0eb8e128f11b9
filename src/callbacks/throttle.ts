/**
 * Bounds what callbacks can cost a payment. Callbacks are unsigned hints, often duplicated, and
 * anyone who can reach the receiver can send them; each signal lengthens the payment's history.
 *
 * - Coalescing: at most one signal per payment per window. Callbacks inside the window are answered
 *   at once and folded into one trailing signal at its end, so a change announced just after a
 *   signal is never missed, only delivered a moment later.
 * - Rate limit: a token bucket per payment (a burst, then a steady rate). Past it, callbacks are
 *   answered 429 with Retry-After: Swedbank Pay retries later, and the workflow polls meanwhile.
 *
 * Memory is bounded: the least recently seen payments are forgotten past `maxPayments`. Anyone can
 * send well-formed callbacks for payments that do not exist, so an id gets a place among the payments
 * only once a signal reached its workflow; until then it waits apart (as many again), and an id no
 * workflow answered to is forgotten at once. Unknown ids never push a real payment's bucket out.
 */
export interface CallbackThrottleOptions {
  /** One signal per payment per this many ms; 0 turns coalescing off. Default 1000. */
  coalesceWindowMs?: number;
  /** Signals a payment may get in a burst. Default 20. */
  burst?: number;
  /** Signals a payment may get per hour once its burst is spent. Default 60. */
  perHour?: number;
  /** Payments remembered at once (and as many ids whose first signal is still out). Default 10,000. */
  maxPayments?: number;
  now?: () => number;
}

export type ThrottleVerdict =
  { action: 'signal' } | { action: 'coalesced' } | { action: 'limited'; retryAfterMs: number };

interface PaymentEntry {
  /** When the last signal went out (0: never). */
  lastSignalAt: number;
  tokens: number;
  refilledAt: number;
  /** The trailing signal of the current window, when callbacks were folded into it, and what it carries. */
  trailing?: NodeJS.Timeout;
  body?: unknown;
}

export const THROTTLE_DEFAULTS = { coalesceWindowMs: 1_000, burst: 20, perHour: 60, maxPayments: 10_000 } as const;

/** Forgets the least recently seen entry of a map (its insertion order). */
function forgetOldest(entries: Map<string, PaymentEntry>): void {
  const [oldest, entry] = entries.entries().next().value as [string, PaymentEntry];
  clearTimeout(entry.trailing);
  entries.delete(oldest);
}

export class CallbackThrottle {
  /** Payments a signal reached, least recently seen first. */
  readonly #payments = new Map<string, PaymentEntry>();
  /** Ids admitted whose workflow has not answered yet, least recently seen first. */
  readonly #unconfirmed = new Map<string, PaymentEntry>();
  readonly #windowMs: number;
  readonly #burst: number;
  readonly #msPerToken: number;
  readonly #maxPayments: number;
  readonly #now: () => number;

  /** `deliver` sends a trailing signal; its failures are the caller's to log. */
  constructor(
    options: CallbackThrottleOptions,
    private readonly deliver: (key: string, body: unknown) => void,
  ) {
    this.#windowMs = options.coalesceWindowMs ?? THROTTLE_DEFAULTS.coalesceWindowMs;
    this.#burst = options.burst ?? THROTTLE_DEFAULTS.burst;
    const perHour = options.perHour ?? THROTTLE_DEFAULTS.perHour;
    this.#maxPayments = options.maxPayments ?? THROTTLE_DEFAULTS.maxPayments;
    this.#now = options.now ?? Date.now;
    for (const [name, value, min] of [
      ['coalesceWindowMs', this.#windowMs, 0],
      ['burst', this.#burst, 1],
      ['perHour', perHour, 1],
      ['maxPayments', this.#maxPayments, 1],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < min || value > 2_147_483_647) {
        throw new RangeError(`${name} must be an integer from ${min} to 2147483647`);
      }
    }
    this.#msPerToken = 3_600_000 / perHour;
  }

  #entry(key: string): PaymentEntry {
    const now = this.#now();
    const entries = this.#payments.has(key) ? this.#payments : this.#unconfirmed;
    let entry = entries.get(key);
    if (entry) {
      entries.delete(key); // re-inserted below: the map's order is least recently seen first
    } else {
      entry = { lastSignalAt: 0, tokens: this.#burst, refilledAt: now };
      if (entries.size >= this.#maxPayments) forgetOldest(entries);
    }
    entries.set(key, entry);
    const earned = Math.floor((now - entry.refilledAt) / this.#msPerToken);
    if (earned > 0) {
      entry.tokens = Math.min(this.#burst, entry.tokens + earned);
      entry.refilledAt += earned * this.#msPerToken;
    }
    return entry;
  }

  /** What to do with a callback (its body) for this payment (its workflow id) now. */
  admit(key: string, body: unknown): ThrottleVerdict {
    const entry = this.#entry(key);
    const now = this.#now();
    const sinceLast = now - entry.lastSignalAt;
    if (entry.lastSignalAt > 0 && sinceLast < this.#windowMs) {
      entry.body = body;
      entry.trailing ??= setTimeout(() => this.#trail(key, entry), this.#windowMs - sinceLast).unref();
      return { action: 'coalesced' };
    }
    if (entry.tokens < 1) {
      return { action: 'limited', retryAfterMs: Math.ceil(entry.refilledAt + this.#msPerToken - now) };
    }
    entry.tokens -= 1;
    entry.lastSignalAt = now;
    return { action: 'signal' };
  }

  /** The signal admitted reached the payment's workflow: the payment exists, its bucket is kept. */
  reached(key: string): void {
    const entry = this.#unconfirmed.get(key);
    if (!entry) return;
    this.#unconfirmed.delete(key);
    if (this.#payments.size >= this.#maxPayments) forgetOldest(this.#payments);
    this.#payments.set(key, entry);
  }

  /** No workflow has this id: nothing is remembered for it. */
  notFound(key: string): void {
    for (const entries of [this.#payments, this.#unconfirmed]) {
      clearTimeout(entries.get(key)?.trailing);
      entries.delete(key);
    }
  }

  /** The signal admitted did not go through: nothing was delivered, so nothing is held against the payment. */
  failed(key: string): void {
    const entry = this.#payments.get(key) ?? this.#unconfirmed.get(key);
    if (!entry) return;
    entry.lastSignalAt = 0;
    entry.tokens = Math.min(this.#burst, entry.tokens + 1);
  }

  #trail(key: string, entry: PaymentEntry): void {
    entry.trailing = undefined;
    const current = this.#payments.get(key) ?? this.#unconfirmed.get(key);
    if (current !== entry || entry.tokens < 1) return; // forgotten, or limited: polling covers it
    entry.tokens -= 1;
    entry.lastSignalAt = this.#now();
    this.deliver(key, entry.body);
  }

  /** Stops pending trailing signals (the receiver is closing). */
  close(): void {
    for (const entries of [this.#payments, this.#unconfirmed]) {
      for (const entry of entries.values()) clearTimeout(entry.trailing);
      entries.clear();
    }
  }
}
