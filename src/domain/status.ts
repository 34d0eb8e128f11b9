/** A payment's status, derived from its ledger and, before that, its authorization phase. Pure. */
import type { AuthorizationPhase, PaymentStatus } from '../contract/index.js';
import type { Ledger } from './ledger.js';

export function paymentStatus(ledger: Ledger): PaymentStatus {
  if (ledger.aborted) return 'Aborted';
  if (ledger.reversed > 0) return ledger.reversed >= ledger.captured ? 'Reversed' : 'PartiallyReversed';
  if (ledger.captured === 0) return ledger.cancelled > 0 ? 'Cancelled' : 'Authorized';
  return ledger.captured + ledger.cancelled >= ledger.authorized ? 'Captured' : 'PartiallyCaptured';
}

/** The status shown everywhere: the authorization phase until the payment is authorized, then the ledger's. */
export function statusOf(ledger: Ledger, authorization: { phase: AuthorizationPhase } | undefined): PaymentStatus {
  if (!authorization || authorization.phase === 'Authorized') return paymentStatus(ledger);
  return authorization.phase;
}
