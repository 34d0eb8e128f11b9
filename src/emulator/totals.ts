/**
 * What a payment's (or payment order's) completed transactions add up to, as Swedbank Pay shows it:
 * the amounts by kind and what remains to capture, cancel and reverse. One rule for both APIs.
 */

export interface Totals {
  authorized: number;
  /** What a one-phase payment (Sale) took; always 0 for a legacy payment. */
  sold: number;
  captured: number;
  cancelled: number;
  reversed: number;
  remainingCaptureAmount: number;
  remainingCancellationAmount: number;
  remainingReversalAmount: number;
}

interface Transaction {
  type: string;
  state: string;
  amount: number;
}

function sumCompleted(transactions: readonly Transaction[], type: string): number {
  return transactions.filter((t) => t.type === type && t.state === 'Completed').reduce((sum, t) => sum + t.amount, 0);
}

export function totalsOf(transactions: readonly Transaction[]): Totals {
  const authorized = sumCompleted(transactions, 'Authorization');
  const sold = sumCompleted(transactions, 'Sale');
  const captured = sumCompleted(transactions, 'Capture');
  const cancelled = sumCompleted(transactions, 'Cancellation');
  const reversed = sumCompleted(transactions, 'Reversal');
  const remaining = Math.max(0, authorized - captured - cancelled);
  return {
    authorized,
    sold,
    captured,
    cancelled,
    reversed,
    remainingCaptureAmount: remaining,
    remainingCancellationAmount: remaining,
    remainingReversalAmount: Math.max(0, captured + sold - reversed),
  };
}
