/**
 * Request fault rules: what can go wrong between a merchant and Swedbank Pay, on demand and
 * reproducibly. A rule matches requests by API, method, path regex and/or operation name, fires with a
 * probability rolled from the seeded generator, at most `times` times. The first rule that matches
 * and fires decides the request's fault; the server applies it.
 */
import { z } from 'zod';
import { createRandom, deriveSeed, type Random } from './random.js';

/**
 * The Swedbank Pay operations the emulator serves, as fault rules name them. abort, capture,
 * cancellation, reversal and delete-token name the same act on legacy payments and on payment
 * orders (narrow a rule with `api`); the rest name one API's resources.
 */
export const PspOperationName = z.enum([
  'get-payment',
  'abort',
  'capture',
  'list-captures',
  'get-capture',
  'cancellation',
  'list-cancellations',
  'get-cancellation',
  'reversal',
  'list-reversals',
  'get-reversal',
  'list-transactions',
  'list-authorizations',
  'get-transaction',
  'delete-token',
  'get-token',
  // Payment Order v3.1 only.
  'get-paymentorder',
  'update-order',
  'list-financialtransactions',
  'get-financialtransaction',
  'get-paid',
  'get-cancelled',
  'get-reversed',
  'get-failed',
  'get-aborted',
  'list-failedattempts',
  'list-postpurchasefailedattempts',
  'get-history',
]);
export type PspOperationName = z.infer<typeof PspOperationName>;

const DelayMs = z.number().int().nonnegative().max(600_000);

export const RequestFault = z.discriminatedUnion('kind', [
  /** A 5xx problem (systemerror); nothing is committed. */
  z.strictObject({
    kind: z.literal('status'),
    status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
  }),
  /** 429 with Retry-After (problem toomanyrequests); nothing is committed. */
  z.strictObject({ kind: z.literal('rate-limit'), retryAfterSeconds: z.number().int().nonnegative().max(86_400) }),
  /** The request waits `ms`, then is served normally. */
  z.strictObject({ kind: z.literal('latency'), ms: DelayMs }),
  /** The connection is reset before anything is committed. */
  z.strictObject({ kind: z.literal('reset-before-commit') }),
  /** The request is processed and committed, then the connection is dropped without an answer. */
  z.strictObject({ kind: z.literal('commit-then-drop') }),
  /** Committed at once, answered only after `ms` (slower than a client's timeout). */
  z.strictObject({ kind: z.literal('slow-response'), ms: DelayMs }),
]);
export type RequestFault = z.infer<typeof RequestFault>;

/** Legacy payments (/psp/creditcard, /psp/invoice) or payment orders (/psp/paymentorders). */
export const PspApi = z.enum(['payments', 'paymentorders']);
export type PspApi = z.infer<typeof PspApi>;

export const FaultRule = z.strictObject({
  api: PspApi.optional(),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/)
    .transform((method) => method.toUpperCase())
    .optional(),
  path: z.string().min(1).refine(isValidRegex, 'path must be a valid regular expression').optional(),
  operation: PspOperationName.optional(),
  probability: z.number().min(0).max(1).default(1),
  times: z.number().int().positive().optional(),
  fault: RequestFault,
});
/** A fault rule as given to the admin API (probability defaults to 1, times to unlimited). */
export type FaultRuleInput = z.input<typeof FaultRule>;
type FaultRuleParsed = z.output<typeof FaultRule>;

export const FaultRuleSet = z.strictObject({
  seed: z.number().int().optional(),
  rules: z.array(FaultRule),
});

export interface RequestDescription {
  method: string;
  path: string;
  operation: PspOperationName | undefined;
  api?: PspApi;
}

interface ActiveRule {
  rule: FaultRuleParsed;
  pathPattern: RegExp | undefined;
  fired: number;
}

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const REQUEST_FAULT_STREAM = 1;

export class RequestFaults {
  private rules: ActiveRule[] = [];
  private random: Random;
  private seed: number;

  constructor(seed: number) {
    this.seed = seed;
    this.random = createRandom(deriveSeed(seed, REQUEST_FAULT_STREAM));
  }

  /** Replaces the rules; a given seed restarts the generator so a run can be replayed. */
  replace(rules: FaultRuleParsed[], seed?: number): void {
    this.rules = rules.map((rule) => ({
      rule,
      pathPattern: rule.path === undefined ? undefined : new RegExp(rule.path),
      fired: 0,
    }));
    this.reseed(seed ?? this.seed);
  }

  clear(seed?: number): void {
    this.replace([], seed);
  }

  list(): { seed: number; rules: (FaultRuleParsed & { fired: number })[] } {
    return { seed: this.seed, rules: this.rules.map(({ rule, fired }) => ({ ...rule, fired })) };
  }

  /** The fault for this request, if a rule matches and fires. */
  decide(request: RequestDescription): RequestFault | undefined {
    for (const active of this.rules) {
      if (!matches(active, request)) continue;
      if (!this.random.chance(active.rule.probability)) continue;
      active.fired += 1;
      return active.rule.fault;
    }
    return undefined;
  }

  private reseed(seed: number): void {
    this.seed = seed;
    this.random = createRandom(deriveSeed(seed, REQUEST_FAULT_STREAM));
  }
}

function matches(active: ActiveRule, request: RequestDescription): boolean {
  const { rule, pathPattern } = active;
  if (rule.times !== undefined && active.fired >= rule.times) return false;
  if (rule.api !== undefined && rule.api !== request.api) return false;
  if (rule.method !== undefined && rule.method !== request.method.toUpperCase()) return false;
  if (rule.operation !== undefined && rule.operation !== request.operation) return false;
  return pathPattern === undefined || pathPattern.test(request.path);
}
