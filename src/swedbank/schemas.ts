/**
 * zod schemas of what Swedbank Pay sends and receives, as the seed pages and the brief document it,
 * quirks included: transaction `number` is an integer in examples but typed string in the tables
 * (both accepted, kept as a string); reversal ids use `/reversal/` paths; `failedReason` may be
 * absent. Unknown extra fields are dropped (the API grows), but wrong types, negative or fractional
 * amounts and unknown states are rejected.
 */
import { z } from 'zod';

/** Minor units: a non-negative safe integer. */
export const MinorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A relative resource URI such as /psp/creditcard/payments/5adc265f-... */
export const ResourcePath = z.string().regex(/^\/psp\/[A-Za-z0-9/_.-]+$/, 'a relative /psp/... resource path');

/** `number`: integer in examples, string in the tables; always handled as a string. */
export const TransactionNumber = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((n) => String(n));

export const Instrument = z.enum(['creditcard', 'invoice']);
export type Instrument = z.infer<typeof Instrument>;

/**
 * An enum read in any letter case, as its canonical value: the portal's field tables write `completed`
 * and `awaitingActivity` where its examples write `Completed` and `AwaitingActivity`.
 */
export function anyCase<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    (v) => (typeof v === 'string' ? (values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v) : v),
    z.enum(values),
  );
}

export const Operation = z.object({
  method: anyCase(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
  // Absolute in the examples; a path (as on one of the portal's pages) is followed on the API all the same.
  href: z.union([z.url(), ResourcePath.max(500)]),
  rel: z.string().min(1),
  // Not read; some documented operations leave it out.
  contentType: z.string().optional(),
});
export type Operation = z.infer<typeof Operation>;

export const TransactionType = anyCase([
  'Authorization',
  'Capture',
  'Cancellation',
  'Reversal',
  'Sale',
  'Verification',
]);
export type TransactionType = z.infer<typeof TransactionType>;

export const TransactionState = anyCase(['Initialized', 'Completed', 'Failed', 'AwaitingActivity']);
export type TransactionState = z.infer<typeof TransactionState>;

export const Transaction = z.object({
  id: ResourcePath,
  created: z.string().min(1),
  updated: z.string().min(1),
  type: TransactionType,
  state: TransactionState,
  number: TransactionNumber,
  amount: MinorUnits,
  vatAmount: MinorUnits,
  description: z.string(),
  payeeReference: z.string(),
  failedReason: z.string().optional(),
  isOperational: z.boolean(),
  operations: z.array(Operation),
});
export type Transaction = z.infer<typeof Transaction>;

/** A capture, cancellation or reversal: its own id plus the generic transaction. */
export const TransactionEntry = z.object({ id: ResourcePath, transaction: Transaction });
export type TransactionEntry = z.infer<typeof TransactionEntry>;

export const CaptureResponse = z.object({ payment: ResourcePath, capture: TransactionEntry });
export const CancellationResponse = z.object({ payment: ResourcePath, cancellation: TransactionEntry });
export const ReversalResponse = z.object({ payment: ResourcePath, reversal: TransactionEntry });

/**
 * A transaction list as the seed writes it (`{id, captureList}`), or as a bare array of entries (the
 * portal's invoice page), each entry then named by its transaction's id when it has no id of its own.
 */
function transactionList(key: string, listKey: string) {
  return (json: unknown): unknown => {
    if (typeof json !== 'object' || json === null) return json;
    const record = json as Record<string, unknown>;
    const list = record[key];
    if (!Array.isArray(list)) return json;
    const entries = list.map((e: unknown) => {
      if (typeof e !== 'object' || e === null || 'id' in e) return e;
      const id = (e as { transaction?: { id?: unknown } }).transaction?.id;
      return id === undefined ? e : { ...e, id };
    });
    return { ...record, [key]: { id: `${String(record.payment)}/${key}`, [listKey]: entries } };
  };
}

export const CaptureListResponse = z.preprocess(
  transactionList('captures', 'captureList'),
  z.object({
    payment: ResourcePath,
    captures: z.object({ id: ResourcePath, captureList: z.array(TransactionEntry).default([]) }),
  }),
);
export const CancellationListResponse = z.preprocess(
  transactionList('cancellations', 'cancellationList'),
  z.object({
    payment: ResourcePath,
    cancellations: z.object({ id: ResourcePath, cancellationList: z.array(TransactionEntry).default([]) }),
  }),
);
export const ReversalListResponse = z.preprocess(
  transactionList('reversals', 'reversalList'),
  z.object({
    payment: ResourcePath,
    reversals: z.object({ id: ResourcePath, reversalList: z.array(TransactionEntry).default([]) }),
  }),
);

export const TransactionResponse = z.object({ payment: ResourcePath, transaction: Transaction });

/** A card authorization, with the card tokens it created (only ever read, never logged or kept). */
export const AuthorizationEntry = z.object({
  id: ResourcePath,
  paymentToken: z.string().optional(),
  recurrenceToken: z.string().optional(),
  transaction: Transaction,
});

/** GET a payment's `authorizations` resource. */
export const AuthorizationListResponse = z.object({
  payment: ResourcePath,
  authorizations: z.object({ id: ResourcePath, authorizationList: z.array(AuthorizationEntry).default([]) }),
});

/** GET a payment's `transactions` resource: every transaction of any type (Authorization included). */
export const TransactionListResponse = z.object({
  payment: ResourcePath,
  transactions: z.object({ id: ResourcePath, transactionList: z.array(Transaction).default([]) }),
});
export type TransactionListResponse = z.infer<typeof TransactionListResponse>;

const Link = z.object({ id: ResourcePath });

export const PaymentState = anyCase(['Ready', 'Pending', 'Failed', 'Aborted']);
export type PaymentState = z.infer<typeof PaymentState>;

/** The money fields a payment and a payment order both carry (integer minor units). */
export const PaymentAmounts = {
  currency: z.string().regex(/^[A-Z]{3}$/),
  amount: MinorUnits,
  vatAmount: MinorUnits.optional(),
  remainingCaptureAmount: MinorUnits.optional(),
  remainingCancellationAmount: MinorUnits.optional(),
  remainingReversalAmount: MinorUnits.optional(),
};

export const Payment = z.object({
  id: ResourcePath,
  number: TransactionNumber,
  instrument: z.string().optional(),
  created: z.string().optional(),
  updated: z.string().optional(),
  state: PaymentState,
  ...PaymentAmounts,
  description: z.string().optional(),
  payeeReference: z.string().optional(),
  authorizations: Link.optional(),
  captures: Link.optional(),
  cancellations: Link.optional(),
  reversals: Link.optional(),
  transactions: Link.optional(),
});
export type Payment = z.infer<typeof Payment>;

/** GET payment, and the answer to PATCH abort. */
export const PaymentResponse = z.object({ payment: Payment, operations: z.array(Operation) });
export type PaymentResponse = z.infer<typeof PaymentResponse>;

export const TokenType = z.enum(['PaymentToken', 'RecurrenceToken']);
export type TokenType = z.infer<typeof TokenType>;

export const InstrumentDataResponse = z.object({
  instrumentData: z.object({
    id: ResourcePath,
    paymentToken: z.string().min(1),
    payeeId: z.string().optional(),
    isDeleted: z.boolean(),
    isPayeeToken: z.boolean().optional(),
    cardBrand: z.string().optional(),
    maskedPan: z.string().optional(),
    expiryDate: z.string().optional(),
  }),
});
export type InstrumentDataResponse = z.infer<typeof InstrumentDataResponse>;

/** What Swedbank Pay POSTs to a payment's callbackUrl: a hint to GET the payment, no outcome. */
export const CallbackBody = z.object({
  payment: z.object({ id: ResourcePath, number: TransactionNumber }),
  transaction: z.object({ id: ResourcePath, number: TransactionNumber }),
});
export type CallbackBody = z.infer<typeof CallbackBody>;

/** RFC 7807 application/problem+json. */
export const Problem = z.object({
  type: z.string().min(1),
  title: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  problems: z.array(z.object({ name: z.string(), description: z.string() })).default([]),
});
export type Problem = z.infer<typeof Problem>;

function sum<K extends string>(items: readonly Record<K, number>[], key: K): number {
  return items.reduce((total, item) => total + item[key], 0);
}

// ---- Request bodies (what the merchant sends). Strict: no field the API does not document. ----

/** payeeReference, safest form: 1-30 ASCII letters and digits. */
export const PayeeReference = z.string().regex(/^[A-Za-z0-9]{1,30}$/, 'payeeReference must match [A-Za-z0-9]{1,30}');
export const Description = z.string().min(1).max(40, 'description is at most 40 characters');
export const PositiveMinorUnits = MinorUnits.refine((n) => n > 0, 'amount must be positive');

export const InvoiceActivity = z.literal('FinancingConsumer');

/** vatAmount is part of amount, never more. */
const vatWithinAmount: [(t: { amount: number; vatAmount: number }) => boolean, { message: string; path: string[] }] = [
  (t) => t.vatAmount <= t.amount,
  { message: 'vatAmount must not exceed amount', path: ['vatAmount'] },
];

export const CardCaptureRequest = z.strictObject({
  transaction: z
    .strictObject({
      amount: PositiveMinorUnits,
      vatAmount: MinorUnits,
      description: Description,
      payeeReference: PayeeReference,
    })
    .refine(...vatWithinAmount),
});
export const CardReversalRequest = CardCaptureRequest;

export const ItemDescription = z.strictObject({ amount: PositiveMinorUnits, description: Description });
/** vatPercent is percent x 100: 2500 = 25 %. */
export const VatSummary = z.strictObject({
  amount: PositiveMinorUnits,
  vatPercent: z.number().int().min(0).max(10000),
  vatAmount: MinorUnits,
});

export const InvoiceCaptureRequest = z.strictObject({
  transaction: z
    .strictObject({
      activity: InvoiceActivity,
      amount: PositiveMinorUnits,
      vatAmount: MinorUnits,
      description: Description,
      payeeReference: PayeeReference,
      itemDescriptions: z.array(ItemDescription).min(1),
      vatSummary: z.array(VatSummary).min(1),
    })
    .refine(...vatWithinAmount)
    .refine((t) => sum(t.itemDescriptions, 'amount') === t.amount, {
      message: 'itemDescriptions amounts must add up to amount',
      path: ['itemDescriptions'],
    })
    .refine((t) => sum(t.vatSummary, 'amount') === t.amount && sum(t.vatSummary, 'vatAmount') === t.vatAmount, {
      message: 'vatSummary amounts and vatAmounts must add up to amount and vatAmount',
      path: ['vatSummary'],
    }),
});
export const InvoiceReversalRequest = z.strictObject({
  transaction: z
    .strictObject({
      activity: InvoiceActivity,
      amount: PositiveMinorUnits,
      vatAmount: MinorUnits,
      description: Description,
      payeeReference: PayeeReference,
    })
    .refine(...vatWithinAmount),
});
export const CardCancellationRequest = z.strictObject({
  transaction: z.strictObject({ description: Description, payeeReference: PayeeReference }),
});
export const InvoiceCancellationRequest = z.strictObject({
  transaction: z.strictObject({
    activity: InvoiceActivity,
    description: Description,
    payeeReference: PayeeReference,
  }),
});
export const AbortRequest = z.strictObject({
  payment: z.strictObject({ operation: z.literal('Abort'), abortReason: z.literal('CancelledByConsumer') }),
});
export const DeleteTokenRequest = z.strictObject({
  state: z.literal('Deleted'),
  tokenType: TokenType,
  comment: z.string().min(1),
});
