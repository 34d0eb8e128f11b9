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
 * Memory is bounded: the least recently seen payments are forgotten past `maxPayments`.
 */
export interface CallbackThrottleOptions {
  /** One signal per payment per this many ms; 0 turns coalescing off. Default 1000. */
  coalesceWindowMs?: number;
  /** Signals a payment may get in a burst. Default 20. */
  burst?: number;
  /** Signals a payment may get per hour once its burst is spent. Default 60. */
  perHour?: number;
  /** Payments remembered at once. Default 10,000. */
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

export class CallbackThrottle {
  readonly #payments = new Map<string, PaymentEntry>();
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
    let entry = this.#payments.get(key);
    if (entry) {
      this.#payments.delete(key); // re-inserted below: the map's order is least recently seen first
    } else {
      entry = { lastSignalAt: 0, tokens: this.#burst, refilledAt: now };
      if (this.#payments.size >= this.#maxPayments) this.#forgetOldest();
    }
    this.#payments.set(key, entry);
    const earned = Math.floor((now - entry.refilledAt) / this.#msPerToken);
    if (earned > 0) {
      entry.tokens = Math.min(this.#burst, entry.tokens + earned);
      entry.refilledAt += earned * this.#msPerToken;
    }
    return entry;
  }

  #forgetOldest(): void {
    const [oldest, entry] = this.#payments.entries().next().value as [string, PaymentEntry];
    clearTimeout(entry.trailing);
    this.#payments.delete(oldest);
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

  /** The signal admitted did not go through: nothing was delivered, so nothing is held against the payment. */
  failed(key: string): void {
    const entry = this.#payments.get(key);
    if (!entry) return;
    entry.lastSignalAt = 0;
    entry.tokens = Math.min(this.#burst, entry.tokens + 1);
  }

  #trail(key: string, entry: PaymentEntry): void {
    entry.trailing = undefined;
    if (this.#payments.get(key) !== entry || entry.tokens < 1) return; // forgotten, or limited: polling covers it
    entry.tokens -= 1;
    entry.lastSignalAt = this.#now();
    this.deliver(key, entry.body);
  }

  /** Stops pending trailing signals (the receiver is closing). */
  close(): void {
    for (const entry of this.#payments.values()) clearTimeout(entry.trailing);
    this.#payments.clear();
  }
}
