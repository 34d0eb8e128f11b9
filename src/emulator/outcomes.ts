/**
 * Transaction outcomes: by default a capture, cancellation or reversal completes at once. Outcome
 * rules make matching transactions decline at once (delayMs absent) or stay Initialized, leaving
 * the payment Pending, until a timer (delayMs) or the admin API settles them; then the payment is
 * updated and a callback goes out, as with Swedbank Pay's asynchronous transactions. Payment orders
 * use the same rules and timers (payment-orders/service.ts decides what is asynchronous there).
 */
import { z } from 'zod';
import type { AfterPaymentType, EmulatorStore, RuleResult, StoredPayment, StoredTransaction } from './store.js';
import { TimerRegistry, type CancelTimer } from './timers.js';

export const DEFAULT_FAILED_REASON = 'Declined by the emulator';

export const AfterPaymentOperation = z.enum(['capture', 'cancellation', 'reversal']);
export type AfterPaymentOperation = z.infer<typeof AfterPaymentOperation>;

const OPERATION_OF_TYPE: Record<AfterPaymentType, AfterPaymentOperation> = {
  Capture: 'capture',
  Cancellation: 'cancellation',
  Reversal: 'reversal',
};

const SettledOutcome = z.enum(['Completed', 'Failed']);
const FailedReason = z.string().min(1).max(200);

/** Which payments a rule applies to: legacy card or invoice payments, or payment orders (v3.1). */
export const OutcomeInstrument = z.enum(['creditcard', 'invoice', 'paymentorder']);
export type OutcomeInstrument = z.infer<typeof OutcomeInstrument>;

export const OutcomeRule = z.strictObject({
  /** Absent: every payment and payment order. */
  instrument: OutcomeInstrument.optional(),
  operation: AfterPaymentOperation,
  outcome: SettledOutcome,
  /** Absent: decided at once. A number: Initialized, settled after that many ms. null: settled by the admin API. */
  delayMs: z.number().int().nonnegative().max(3_600_000).nullable().optional(),
  failedReason: FailedReason.optional(),
  times: z.number().int().positive().optional(),
});
export type OutcomeRuleInput = z.input<typeof OutcomeRule>;
type OutcomeRuleParsed = z.output<typeof OutcomeRule>;

export const OutcomeRuleSet = z.strictObject({ rules: z.array(OutcomeRule) });

export const CompleteTransactionRequest = z.strictObject({
  /** The transaction's UUID or its `/psp/.../transactions/<id>` path. */
  transactionId: z.string().min(1),
  outcome: SettledOutcome,
  failedReason: FailedReason.optional(),
});

/** What a new transaction does; the store records the state, this module settles Initialized ones. */
export type TransactionPlan =
  | { state: 'Completed' }
  | { state: 'Failed'; failedReason: string }
  | { state: 'Initialized'; outcome: 'Completed' | 'Failed'; failedReason?: string; settleAfterMs: number | null };

export type ChangeListener = (payment: StoredPayment, transaction: StoredTransaction) => void;

interface ActiveRule {
  rule: OutcomeRuleParsed;
  used: number;
}

export class TransactionOutcomes {
  private rules: ActiveRule[] = [];
  private readonly settlementTimers = new Map<string, CancelTimer>();
  private readonly timers = new TimerRegistry();

  constructor(
    private readonly store: EmulatorStore,
    private readonly onChange: ChangeListener,
  ) {}

  replace(rules: OutcomeRuleParsed[]): void {
    this.rules = rules.map((rule) => ({ rule, used: 0 }));
  }

  list(): (OutcomeRuleParsed & { used: number })[] {
    return this.rules.map(({ rule, used }) => ({ ...rule, used }));
  }

  /** The first matching rule with uses left decides; otherwise the transaction completes at once. */
  plan(instrument: OutcomeInstrument, type: AfterPaymentType): TransactionPlan {
    const operation = OPERATION_OF_TYPE[type];
    const active = this.rules.find(
      ({ rule, used }) =>
        rule.operation === operation &&
        (rule.instrument === undefined || rule.instrument === instrument) &&
        (rule.times === undefined || used < rule.times),
    );
    if (!active) return { state: 'Completed' };
    active.used += 1;
    const { outcome, delayMs, failedReason } = active.rule;
    if (delayMs === undefined) {
      return outcome === 'Completed'
        ? { state: 'Completed' }
        : { state: 'Failed', failedReason: failedReason ?? DEFAULT_FAILED_REASON };
    }
    return { state: 'Initialized', outcome, failedReason, settleAfterMs: delayMs };
  }

  /** Arms the timer of an Initialized transaction (none when it waits for the admin API). */
  track(transaction: StoredTransaction, plan: TransactionPlan): void {
    if (plan.state !== 'Initialized' || plan.settleAfterMs === null) return;
    const { outcome, failedReason, settleAfterMs } = plan;
    this.arm(transaction.id, settleAfterMs, () => this.settle(transaction.id, outcome, failedReason));
  }

  /** Runs `settle` after `ms` unless disarmed first; reset and close stop it (payment orders use it too). */
  arm(transactionId: string, ms: number, settle: () => void): void {
    const cancel = this.timers.schedule(ms, () => {
      this.settlementTimers.delete(transactionId);
      settle();
    });
    this.settlementTimers.set(transactionId, cancel);
  }

  disarm(transactionId: string): void {
    this.settlementTimers.get(transactionId)?.();
    this.settlementTimers.delete(transactionId);
  }

  /** Completes or fails an Initialized transaction now; a pending timer for it is disarmed. */
  settle(
    transactionIdOrPath: string,
    outcome: 'Completed' | 'Failed',
    failedReason?: string,
  ): RuleResult<{ payment: StoredPayment; transaction: StoredTransaction }> {
    const transactionId = transactionIdOrPath.split('/').pop() ?? '';
    const found = this.store.findTransaction(transactionId);
    if (!found) {
      return {
        ok: false,
        violation: {
          kind: 'notfound',
          status: 404,
          detail: `No transaction with id ${transactionId}`,
          problems: [{ name: 'transactionId', description: 'Transaction not found' }],
        },
      };
    }
    const result = this.store.settleTransaction(found.payment.id, transactionId, outcome, failedReason);
    if (!result.ok) return result;
    this.disarm(transactionId);
    this.onChange(result.value.payment, result.value.transaction);
    return result;
  }

  /** POST /_emulator/reset: no rules, no pending settlements. */
  reset(): void {
    this.rules = [];
    this.timers.cancelAll();
    this.settlementTimers.clear();
  }

  close(): void {
    this.timers.close();
    this.settlementTimers.clear();
  }
}
