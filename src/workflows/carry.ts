/**
 * What a payment workflow keeps per operation and hands to its next run on continue-as-new: plain
 * JSON, in the shape of every archived carry (the archive replays runs that started from one).
 */
import type { TransactionSnapshot } from '../activities/payment-activities.js';
import type { AuthorizationState, OperationResult, OperationView, RejectedSignal } from '../contract/index.js';
import type { Ledger } from '../domain/ledger.js';

/** How far a running operation got: what a new run started mid-operation resumes from. */
export interface OperationProgress {
  /** When it was sent (ISO 8601): a long wait for its outcome is flagged. */
  sentAt: string;
  /** The transaction as Swedbank Pay last showed it; absent while its creation's outcome is unknown. */
  transaction?: TransactionSnapshot;
  /** Its long wait has been flagged already. */
  flagged?: boolean;
}

/** One operation in the workflow: what the query shows, and (while it runs) how far it got. */
export type OperationRecord = OperationView & { progress?: OperationProgress };

/** What one run hands the next on continue-as-new (JSON; the shape of every archived carry). */
export interface CarriedState {
  /** Absent only while the authorization is awaited. */
  ledger?: Ledger;
  startedAt: string;
  nextOperationId: number;
  queue: OperationRecord[];
  recent: OperationRecord[];
  /** OMS reference -> result (null while running), so redelivered events stay harmless across runs. */
  references: [string, OperationResult | null][];
  /** The amounts each reference stood for, to refuse a reused reference with other amounts. */
  fingerprints: [string, string][];
  needsAttention: boolean;
  attentionReasons: string[];
  rejectedSignals: RejectedSignal[];
  tokenDeleted: boolean;
  closeTokenAttempted: boolean;
  expiryHandled: boolean;
  settledAt?: string;
  callbacksReceived: number;
  /** The authorization phase, for workflows started with awaitAuthorization (always over when carried). */
  authorization?: AuthorizationState;
  /** A payment order's payment method, once paid. */
  paymentMethod?: string;
}
