/**
 * The payment workflow's messages: shared by the workflow and every client (this package's OMS API,
 * the `temporal` CLI, SDKs in other languages). Names and JSON payloads are the wire contract
 * (docs/CONTRACT.md); change them only with a version note.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Instrument } from './names.js';
import type { RejectionCode } from './rejections.js';

export type OperationKind = 'capture' | 'cancellation' | 'reversal' | 'abort' | 'delete-token';

/**
 * Swedbank Pay's token kinds: payment (one-click) and recurrence tokens of either API; unscheduled
 * tokens of payment orders only.
 */
export type TokenType = 'PaymentToken' | 'RecurrenceToken' | 'UnscheduledToken';

/** A payment order's order line (Payment Order v3.1 `orderItems`): what a capture or reversal covers. */
export interface OrderItem {
  reference: string;
  name: string;
  type: 'PRODUCT' | 'SERVICE' | 'SHIPPING_FEE' | 'PAYMENT_FEE' | 'DISCOUNT' | 'VALUE_CODE' | 'OTHER';
  /** A product group: letters, digits, _ and - only. */
  class: string;
  itemUrl?: string;
  imageUrl?: string;
  description?: string;
  discountDescription?: string;
  /** Up to four decimals. */
  quantity: number;
  quantityUnit: string;
  /** Minor units, VAT included. */
  unitPrice: number;
  discountPrice?: number;
  /** Percent x 100: 2500 = 25 %. */
  vatPercent: number;
  /** The line's total and its VAT, minor units. */
  amount: number;
  vatAmount: number;
}

export interface ItemDescription {
  amount: number;
  description: string;
}

export interface VatSummary {
  amount: number;
  /** Percent x 100: 2500 = 25 %. */
  vatPercent: number;
  vatAmount: number;
}

/** Capture part of the authorized amount: a shipment. */
export interface CaptureRequest {
  /** Minor units (10000 = 100.00 SEK). */
  amount: number;
  vatAmount: number;
  /** At most 40 characters; defaults to "Capture <reference>". */
  description?: string;
  /** The OMS's own reference (shipment id): the same reference twice performs the capture once. */
  reference?: string;
  /** The last shipment of the order: once captured, the remaining amount is cancelled. */
  finalFulfilment?: boolean;
  /** Invoice payments only, and required for them. */
  itemDescriptions?: ItemDescription[];
  vatSummary?: VatSummary[];
  /** Payment orders only, optional: the order lines this capture covers (they must add up to it). */
  orderItems?: OrderItem[];
  /** Payment orders only: the merchant's receipt or invoice number, [A-Za-z0-9]{1,30}. */
  receiptReference?: string;
}

/** Cancel whatever remains uncaptured: the order is closed. */
export interface CancelRequest {
  description?: string;
  reference?: string;
}

/** Reverse (refund) captured money: a return. */
export interface ReversalRequest {
  amount: number;
  vatAmount: number;
  description?: string;
  reference?: string;
  /** Payment orders only, optional: the order lines returned (they must add up to the amount). */
  orderItems?: OrderItem[];
  /** Payment orders only: the merchant's credit note number, [A-Za-z0-9]{1,30}. */
  receiptReference?: string;
}

export interface AbortRequest {
  reference?: string;
}

export interface DeleteTokenRequest {
  /** Why the token is deleted, kept by Swedbank Pay. */
  comment?: string;
  reference?: string;
}

/**
 * The outcome of one operation. Completed and Failed are Swedbank Pay's final answers;
 * Rejected means nothing was sent, because the ledger refused the operation when it was its turn.
 */
export interface OperationResult {
  operationId: number;
  kind: OperationKind;
  reference?: string;
  state: 'Completed' | 'Failed' | 'Rejected';
  amount?: number;
  vatAmount?: number;
  payeeReference?: string;
  /** Swedbank Pay's transaction number and id. */
  number?: string;
  transactionId?: string;
  /** Why it failed or was rejected (Swedbank Pay's failedReason or problem, or the ledger's rule). */
  failureReason?: string;
  /** A stable code: the ledger's rejection code, or the activity failure type. */
  failureType?: string;
}

/** 'held': accepted while the payment awaits its authorization; it runs (or is rejected) once that is decided. */
export type OperationStatus = 'held' | 'queued' | 'running' | 'done';

/** One operation as the `state` query shows it. */
export interface OperationView {
  id: number;
  kind: OperationKind;
  source: 'update' | 'signal' | 'policy';
  reference?: string;
  payeeReference?: string;
  amount?: number;
  vatAmount?: number;
  description?: string;
  finalFulfilment?: boolean;
  itemDescriptions?: ItemDescription[];
  vatSummary?: VatSummary[];
  orderItems?: OrderItem[];
  receiptReference?: string;
  comment?: string;
  status: OperationStatus;
  result?: OperationResult;
}

/** A signal that could not be acted on; kept in the state instead of failing the workflow. */
export interface RejectedSignal {
  signal: string;
  reference?: string;
  code: RejectionCode;
  message: string;
  at: string;
}

/** Every status a payment can be in (also the values of SwedbankPayPaymentState). */
export const PAYMENT_STATUSES = [
  'AwaitingAuthorization',
  'AuthorizationFailed',
  'Abandoned',
  'Authorized',
  'PartiallyCaptured',
  'Captured',
  'Cancelled',
  'PartiallyReversed',
  'Reversed',
  'Aborted',
] as const;

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Where the authorization phase is (workflows started with awaitAuthorization). */
export type AuthorizationPhase =
  'AwaitingAuthorization' | 'Authorized' | 'AuthorizationFailed' | 'Abandoned' | 'Aborted';

/** The authorization phase of a payment started before it was authorized. */
export interface AuthorizationState {
  phase: AuthorizationPhase;
  /** The amount the starter announced, if any; the ledger uses what Swedbank Pay authorizes. */
  announcedAmount?: number;
  /** Announced, else learnt from Swedbank Pay while waiting; once authorized, Swedbank Pay's. */
  currency?: string;
  /** What Swedbank Pay reports as authorized (the sum of its completed authorizations). */
  authorizedAmount?: number;
  authorizedAt?: string;
  /** Swedbank Pay's authorization transaction. */
  transactionId?: string;
  number?: string;
  /** Declined attempts seen while waiting (the payer may try again). */
  failedAttempts: number;
  /** Why the phase ended without an authorization. */
  failureReason?: string;
  /** When the payment is aborted if nobody has authorized it by then. */
  abandonAt: string;
  /** How many times the payment was read (callbacks and polls). */
  checks: number;
}

/** One capture, cancellation or reversal as the `state` query shows it. */
export interface LedgerEntryView {
  kind: 'capture' | 'cancellation' | 'reversal';
  payeeReference: string;
  amount: number;
  vatAmount: number;
  /** Pending: sent (or about to be) and not known to be final. */
  state: 'Pending' | 'Completed' | 'Failed';
  number?: string;
  transactionId?: string;
  failedReason?: string;
}

/** The payment's money, in minor units. */
export interface LedgerView {
  currency: string;
  authorized: number;
  captured: number;
  cancelled: number;
  reversed: number;
  aborted: boolean;
  /** The payer's authorization was seen completing (the workflow started before it). */
  authorizedByPayer?: boolean;
  /**
   * A one-phase payment (a payment order paid by Swish or Trustly): Swedbank Pay recorded a Sale, so
   * the whole amount counts as captured; nothing can be captured or cancelled, only reversed.
   */
  sale?: boolean;
  entries: LedgerEntryView[];
}

/** The answer of the `state` query. */
export interface PaymentWorkflowState {
  paymentId: string;
  orderId: string;
  instrument: Instrument;
  /** A payment order's payment method as Swedbank Pay names it (CreditCard, Swish, ...), once paid. */
  paymentMethod?: string;
  status: PaymentStatus;
  /** Until authorized (awaitAuthorization), an empty ledger: nothing authorized, nothing to capture. */
  ledger: LedgerView;
  remainingToCapture: number;
  remainingToReverse: number;
  /** Present when the workflow was started with awaitAuthorization. */
  authorization?: AuthorizationState;
  /** Operations held, waiting or running, in order. */
  queue: OperationView[];
  /** The most recent finished operations (older ones live in the ledger and earlier runs). */
  recent: OperationView[];
  needsAttention: boolean;
  attentionReasons: string[];
  rejectedSignals: RejectedSignal[];
  /**
   * The token to delete: `last4` only for payments started before contract 1.3, which were given the
   * token itself. A payment order without one given deletes every token its payment created (`all`).
   */
  paymentToken?: { type: TokenType | 'all'; last4?: string; deleted: boolean };
  authorizationExpiresAt: string;
  /** Set once nothing remains to capture or cancel: returns are accepted until then. */
  reversalWindowEndsAt?: string;
  callbacksReceived: number;
}

/** What the workflow returns when the lifecycle ends. */
export interface PaymentSummary {
  paymentId: string;
  orderId: string;
  status: PaymentStatus;
  currency: string;
  authorized: number;
  captured: number;
  cancelled: number;
  reversed: number;
  transactions: number;
  tokenDeleted: boolean;
  needsAttention: boolean;
}

export const captureUpdate = defineUpdate<OperationResult, [CaptureRequest]>('capture');
export const cancelUpdate = defineUpdate<OperationResult, [CancelRequest]>('cancel');
export const reverseUpdate = defineUpdate<OperationResult, [ReversalRequest]>('reverse');
export const abortUpdate = defineUpdate<OperationResult, [AbortRequest]>('abort');
export const deleteTokenUpdate = defineUpdate<OperationResult, [DeleteTokenRequest]>('deleteToken');

/** Fire-and-forget fulfilment events; `reference` is required so a redelivered event is harmless. */
export const captureSignal = defineSignal<[CaptureRequest & { reference: string }]>('captureRequested');
export const cancelSignal = defineSignal<[CancelRequest & { reference: string }]>('cancelRequested');
export const reverseSignal = defineSignal<[ReversalRequest & { reference: string }]>('reversalRequested');
export const abortSignal = defineSignal<[AbortRequest & { reference: string }]>('abortRequested');
export const deleteTokenSignal = defineSignal<[DeleteTokenRequest & { reference: string }]>('deleteTokenRequested');

/** A Swedbank Pay callback body, forwarded by the callback receiver: a hint to look, never the truth. */
export const callbackSignal = defineSignal<[unknown]>('callback');

export const stateQuery = defineQuery<PaymentWorkflowState>('state');

/** Which operation: its kind and the OMS reference it was requested with. */
export interface OperationRef {
  kind: OperationKind;
  reference: string;
}

/**
 * What became of the operation an OMS requested under a reference: unknown (never seen), running
 * (queued or under way), done (with its result), or refused on arrival (a signal's rule).
 */
export type OperationOutcome =
  | { status: 'unknown' }
  | { status: 'running' }
  | { status: 'done'; result: OperationResult }
  | { status: 'refused'; code: RejectionCode; message: string };

/** The outcome of one requested operation, without the whole state: how a client waits on a signal. */
export const operationQuery = defineQuery<OperationOutcome, [OperationRef]>('operation');

/** The signal and update that request each kind of operation. */
export const OPERATION_MESSAGES: Record<OperationKind, { signal: string; update: string }> = {
  capture: { signal: 'captureRequested', update: 'capture' },
  cancellation: { signal: 'cancelRequested', update: 'cancel' },
  reversal: { signal: 'reversalRequested', update: 'reverse' },
  abort: { signal: 'abortRequested', update: 'abort' },
  'delete-token': { signal: 'deleteTokenRequested', update: 'deleteToken' },
};
