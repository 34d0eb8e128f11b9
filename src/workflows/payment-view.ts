/**
 * How a payment looks from outside: its status, the search attribute values, the Markdown "current
 * details" and the one-line summaries shown in the Temporal Web UI. Pure functions of the ledger.
 */
import { formatAmount } from '../domain/amount.js';
import { remainingToCapture, type Ledger, type LedgerEntry } from '../domain/ledger.js';
import type { Instrument } from '../swedbank/schemas.js';
import type { OperationRecord, PaymentStatus } from './messages.js';

export function paymentStatus(ledger: Ledger): PaymentStatus {
  if (ledger.aborted) return 'Aborted';
  if (ledger.reversed > 0) return ledger.reversed >= ledger.captured ? 'Reversed' : 'PartiallyReversed';
  if (ledger.captured === 0) return ledger.cancelled > 0 ? 'Cancelled' : 'Authorized';
  return ledger.captured + ledger.cancelled >= ledger.authorized ? 'Captured' : 'PartiallyCaptured';
}

export const INSTRUMENT_LABEL: Record<Instrument, string> = { creditcard: 'card', invoice: 'invoice' };

/** The static summary: "order 1001 · 1000.00 SEK · card". */
export function staticSummary(orderId: string, authorized: number, currency: string, instrument: Instrument): string {
  return `order ${orderId} · ${formatAmount(authorized, currency)} · ${INSTRUMENT_LABEL[instrument]}`;
}

const VERB: Record<LedgerEntry['kind'], string> = { capture: 'capture', cancellation: 'cancel', reversal: 'reverse' };

/** An activity's summary: "capture 400.00 SEK ref C0f3...1". */
export function transactionSummary(kind: LedgerEntry['kind'], amount: number, currency: string, ref: string): string {
  return `${VERB[kind]} ${formatAmount(amount, currency)} ref ${ref}`;
}

function money(amount: number, currency: string): string {
  return formatAmount(amount, currency);
}

/** Current details: a small Markdown ledger. */
export function currentDetails(input: {
  orderId: string;
  instrument: Instrument;
  ledger: Ledger;
  queue: OperationRecord[];
  needsAttention: boolean;
  attentionReasons: string[];
}): string {
  const { ledger } = input;
  const c = ledger.currency;
  const lines = [
    `**${paymentStatus(ledger)}** · order ${input.orderId} · ${INSTRUMENT_LABEL[input.instrument]}`,
    '',
    '| | amount |',
    '|---|---:|',
    `| authorized | ${money(ledger.authorized, c)} |`,
    `| captured | ${money(ledger.captured, c)} |`,
    `| cancelled | ${money(ledger.cancelled, c)} |`,
    `| reversed | ${money(ledger.reversed, c)} |`,
    `| remaining to capture | ${money(Math.max(0, remainingToCapture(ledger)), c)} |`,
  ];
  if (ledger.entries.length > 0) {
    lines.push('', '| transaction | amount | state | payeeReference |', '|---|---:|---|---|');
    for (const e of ledger.entries.slice(-20)) {
      lines.push(
        `| ${e.kind}${e.number ? ` #${e.number}` : ''} | ${money(e.amount, c)} | ${e.state} | ${e.payeeReference} |`,
      );
    }
  }
  if (input.queue.length > 0) {
    lines.push(
      '',
      `queue: ${input.queue.map((o) => `${o.kind}${o.reference ? ` (${o.reference})` : ''} ${o.status}`).join(', ')}`,
    );
  }
  if (input.needsAttention) {
    lines.push('', `⚠ **needs attention**: ${input.attentionReasons.slice(-3).join('; ')}`);
  }
  return lines.join('\n');
}
