/**
 * How a payment looks from outside: the Markdown "current details" and the one-line summaries shown
 * in the Temporal Web UI, the CLI and the demo. Pure functions of the ledger.
 */
import type { AuthorizationState, Instrument, OperationResult, OperationView } from '../contract/index.js';
import { formatAmount } from './amount.js';
import { remainingToCapture, type Ledger, type LedgerEntry } from './ledger.js';
import { paymentStatus } from './status.js';

export const INSTRUMENT_LABEL: Record<Instrument, string> = {
  creditcard: 'card',
  invoice: 'invoice',
  paymentorder: 'payment order',
};

/** The static summary: "order 1001 · 1000.00 SEK · card" ("1000.00 SEK announced" before the authorization). */
export function staticSummary(
  orderId: string,
  authorized: number,
  currency: string,
  instrument: Instrument,
  announced = false,
): string {
  const amount = `${formatAmount(authorized, currency)}${announced ? ' announced' : ''}`;
  return `order ${orderId} · ${amount} · ${INSTRUMENT_LABEL[instrument]}`;
}

const VERB: Record<LedgerEntry['kind'], string> = { capture: 'capture', cancellation: 'cancel', reversal: 'reverse' };

/** An activity's summary: "capture 400.00 SEK ref C0f3...1". */
export function transactionSummary(kind: LedgerEntry['kind'], amount: number, currency: string, ref: string): string {
  return `${VERB[kind]} ${formatAmount(amount, currency)} ref ${ref}`;
}

function money(amount: number, currency: string): string {
  return formatAmount(amount, currency);
}

interface DetailsInput {
  orderId: string;
  instrument: Instrument;
  /** A payment order's payment method once paid (CreditCard, Swish, ...). */
  paymentMethod?: string;
  ledger: Ledger;
  queue: OperationView[];
  needsAttention: boolean;
  attentionReasons: string[];
  authorization?: AuthorizationState;
}

/** "card", "invoice", or a payment order's method: "payment order · Swish". */
function methodLabel(input: DetailsInput): string {
  const label = INSTRUMENT_LABEL[input.instrument];
  return input.paymentMethod ? `${label} · ${input.paymentMethod}` : label;
}

/** The OMS's own text (references, order ids, reasons quoting them) shown as text, never as Markdown. */
export function markdownText(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>~]/g, '\\$&');
}

function referenceOf(o: { reference?: string }): string {
  return o.reference ? ` (${markdownText(o.reference)})` : '';
}

function operationLine(o: OperationView, currency: string): string {
  const amount = o.amount !== undefined && currency ? ` ${money(o.amount, currency)}` : '';
  return `${o.kind}${referenceOf(o)}${amount} ${o.status}`;
}

function attentionLines(input: DetailsInput): string[] {
  const reasons = input.attentionReasons.slice(-3).map(markdownText).join('; ');
  return input.needsAttention ? ['', `⚠ **needs attention**: ${reasons}`] : [];
}

/** Before (or instead of) the authorization: the phase, what was announced and what is held. */
function authorizationDetails(input: DetailsInput, a: AuthorizationState): string {
  const c = a.currency ?? '';
  const lines = [
    `**${a.phase}** · order ${markdownText(input.orderId)} · ${methodLabel(input)}`,
    '',
    '| | amount |',
    '|---|---:|',
    `| announced | ${a.announcedAmount !== undefined && c ? money(a.announcedAmount, c) : 'not given'} |`,
    `| authorized | ${a.phase === 'AwaitingAuthorization' ? 'not yet' : 'none'} |`,
    '',
  ];
  if (a.phase === 'AwaitingAuthorization') {
    lines.push(`aborted as abandoned at ${a.abandonAt} unless authorized before`);
  } else {
    lines.push(`ended: ${a.failureReason ?? a.phase}; held requests were rejected`);
  }
  if (a.failedAttempts > 0) lines.push('', `declined attempts: ${a.failedAttempts}`);
  if (input.queue.length > 0) {
    const label = a.phase === 'AwaitingAuthorization' ? 'held until authorized' : 'queue';
    lines.push('', `${label}: ${input.queue.map((o) => operationLine(o, c)).join(', ')}`);
  }
  lines.push(...attentionLines(input));
  return lines.join('\n');
}

/** Current details: a small Markdown ledger. */
export function currentDetails(input: DetailsInput): string {
  const { ledger, authorization } = input;
  if (authorization && authorization.phase !== 'Authorized') return authorizationDetails(input, authorization);
  const c = ledger.currency;
  const lines = [
    `**${paymentStatus(ledger)}** · order ${markdownText(input.orderId)} · ${methodLabel(input)}${ledger.sale ? ' (sale)' : ''}`,
    '',
    '| | amount |',
    '|---|---:|',
    ...(authorization?.announcedAmount !== undefined && authorization.announcedAmount !== ledger.authorized
      ? [`| announced | ${money(authorization.announcedAmount, authorization.currency ?? c)} |`]
      : []),
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
    lines.push('', `queue: ${input.queue.map((o) => `${o.kind}${referenceOf(o)} ${o.status}`).join(', ')}`);
  }
  lines.push(...attentionLines(input));
  return lines.join('\n');
}

/** One line for an operation's result, as the CLI and the demo print it. */
export function describeResult(result: OperationResult, currency = 'SEK'): string {
  const amount = result.amount !== undefined ? ` ${formatAmount(result.amount, currency)}` : '';
  const details = [
    result.payeeReference && `payeeReference ${result.payeeReference}`,
    result.number && `number ${result.number}`,
    result.failureReason && `reason: ${result.failureReason}`,
  ].filter(Boolean);
  return `${result.kind}${amount}: ${result.state}${details.length ? ` (${details.join(', ')})` : ''}`;
}
