/**
 * zod schemas of Payment Order v3.1 (/psp/paymentorders), as Swedbank Pay's developer portal
 * documents it. Tolerant where the portal's own examples vary: the root key is `paymentOrder` or
 * `paymentorder`, `number` an integer or a string, `remaining*` amounts present only when meaningful,
 * unknown fields and unknown transaction types ignored. Strict on what decisions rest on: statuses,
 * amounts, currencies and payeeReferences. Token values are read here and never kept or logged.
 */
import { z } from 'zod';
import { anyCase, MinorUnits, Operation, PaymentAmounts, ResourcePath, TransactionNumber } from '../schemas.js';

/** A payment order id: /psp/paymentorders/{id}. */
export const PaymentOrderPath = z
  .string()
  .regex(/^\/psp\/paymentorders\/[A-Za-z0-9-]{1,64}$/, 'a /psp/paymentorders/{id} resource path');

/** Initialized until the payer has paid; Paid (partial operations keep it Paid) until fully cancelled or reversed. */
export const PaymentOrderStatus = anyCase(['Initialized', 'Paid', 'Failed', 'Cancelled', 'Reversed', 'Aborted']);
export type PaymentOrderStatus = z.infer<typeof PaymentOrderStatus>;

const Link = z.object({ id: ResourcePath });

export const PaymentOrder = z.object({
  id: PaymentOrderPath,
  created: z.string().optional(),
  updated: z.string().optional(),
  status: PaymentOrderStatus,
  ...PaymentAmounts,
  paid: Link.optional(),
  failed: Link.optional(),
  cancelled: Link.optional(),
  reversed: Link.optional(),
  aborted: Link.optional(),
  financialTransactions: Link.optional(),
  postPurchaseFailedAttempts: Link.optional(),
});
export type PaymentOrder = z.infer<typeof PaymentOrder>;

/** The portal writes the root key both ways; read either as `paymentOrder`. */
function rootKey(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const record = json as Record<string, unknown>;
  if (record.paymentOrder !== undefined || record.paymentorder === undefined) return record;
  return { ...record, paymentOrder: record.paymentorder };
}

/** GET a payment order; also the answer to every POST (capture, cancel, reversal) and PATCH (abort). */
export const PaymentOrderResponse = z.preprocess(
  rootKey,
  z.object({ paymentOrder: PaymentOrder, operations: z.array(Operation).default([]) }),
);
export type PaymentOrderResponse = z.infer<typeof PaymentOrderResponse>;

/** One entry of `financialTransactions`: a Capture, Cancellation, Reversal, Sale or Authorization. */
export const FinancialTransaction = z.object({
  // Only shown, never followed. One that is not a resource path (the portal's example ends in a
  // `<transactionId>` placeholder) is read as none rather than refusing the list or carrying odd text.
  id: z.string().transform((id) => (id.length <= 200 && ResourcePath.safeParse(id).success ? id : '')),
  created: z.string().optional(),
  updated: z.string().optional(),
  type: z.string().min(1),
  number: TransactionNumber,
  amount: MinorUnits,
  vatAmount: MinorUnits.default(0),
  description: z.string().optional(),
  payeeReference: z.string().optional(),
  receiptReference: z.string().optional(),
});
export type FinancialTransaction = z.infer<typeof FinancialTransaction>;

export const FinancialTransactionsResponse = z.object({
  financialTransactions: z.object({
    id: ResourcePath.optional(),
    financialTransactionsList: z.array(FinancialTransaction).default([]),
  }),
});

const ProblemBody = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.number().int().optional(),
  detail: z.string().optional(),
  problems: z.array(z.object({ name: z.string(), description: z.string() })).default([]),
});
export type ProblemBody = z.infer<typeof ProblemBody>;

/** A failed capture, cancellation or reversal attempt (a declined one, or an asynchronous one that failed). */
export const PostPurchaseFailedAttempt = z.object({
  created: z.string().optional(),
  status: z.string().optional(),
  type: z.string().min(1),
  number: TransactionNumber.optional(),
  problem: ProblemBody.optional(),
});
export type PostPurchaseFailedAttempt = z.infer<typeof PostPurchaseFailedAttempt>;

/** The list's key is written `postpurchaseFailedAttemptList` in the portal; other casings are read too. */
function attemptList(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  // The example writes `postPurchaseFailedAttempts`, the field table `postpurchasefailedAttempts`.
  const inner = fieldInAnyCase(json as Record<string, unknown>, 'postpurchasefailedattempts');
  if (typeof inner !== 'object' || inner === null) return json;
  const list = fieldInAnyCase(inner as Record<string, unknown>, 'postpurchasefailedattemptlist');
  return { postPurchaseFailedAttempts: { list: list ?? [] } };
}

/** A field whose name the portal writes in several casings; `lowerName` in lower case. */
function fieldInAnyCase(record: Record<string, unknown>, lowerName: string): unknown {
  const key = Object.keys(record).find((k) => k.toLowerCase() === lowerName);
  return key === undefined ? undefined : record[key];
}

export const PostPurchaseFailedAttemptsResponse = z.preprocess(
  attemptList,
  z.object({ postPurchaseFailedAttempts: z.object({ list: z.array(PostPurchaseFailedAttempt).default([]) }) }),
);

/**
 * A token the payment created (payment, recurrence, unscheduled, transactionsOnFile): read, never kept.
 * Its value is opaque here (one of an unexpected form must not make the paid resource unreadable); a
 * deletion checks it before putting it in a path.
 */
export const PaidToken = z.object({ type: z.string(), token: z.string().max(200) });

/** The `paid` resource: how the payer paid (Authorization or Sale), with which method, and its tokens. */
export const PaidResponse = z.object({
  paid: z.object({
    id: ResourcePath,
    instrument: z.string().optional(),
    number: TransactionNumber.optional(),
    transactionType: anyCase(['Authorization', 'Sale']).optional(),
    amount: MinorUnits,
    tokens: z.array(PaidToken).default([]),
  }),
});
export type PaidResponse = z.infer<typeof PaidResponse>;

export const FailedResponse = z.object({
  failed: z.object({ id: ResourcePath.optional(), problem: ProblemBody.optional() }).default({}),
});

/**
 * The answer to a token deletion varies by token type, and the portal's examples of it are not all
 * JSON (a comma missing): nothing of it is read, its 2xx status says the token is deleted.
 */
export const TokenDeletionResponse = z.unknown();

// ---- Request bodies. Strict: no field the portal does not document. ----

export const PayeeReference = z.string().regex(/^[A-Za-z0-9]{1,30}$/, 'payeeReference must match [A-Za-z0-9]{1,30}');
export const ReceiptReference = z
  .string()
  .regex(/^[A-Za-z0-9]{1,30}$/, 'receiptReference must match [A-Za-z0-9]{1,30}');
export const Description = z.string().min(1).max(40, 'description is at most 40 characters');
const PositiveMinorUnits = MinorUnits.refine((n) => n > 0, 'amount must be positive');
const SignedMinorUnits = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

export const OrderItem = z.strictObject({
  reference: z.string().min(1),
  name: z.string().min(1),
  type: z.enum(['PRODUCT', 'SERVICE', 'SHIPPING_FEE', 'PAYMENT_FEE', 'DISCOUNT', 'VALUE_CODE', 'OTHER']),
  class: z.string().regex(/^[\w-]+$/, 'class must match [\\w-]+'),
  itemUrl: z.string().min(1).optional(),
  imageUrl: z.string().min(1).optional(),
  description: z.string().min(1).optional(),
  discountDescription: z.string().min(1).optional(),
  quantity: z.number().positive(),
  quantityUnit: z.string().min(1),
  unitPrice: SignedMinorUnits,
  discountPrice: SignedMinorUnits.optional(),
  vatPercent: z.number().int().min(0).max(10000),
  amount: SignedMinorUnits,
  vatAmount: SignedMinorUnits,
});

function sum(items: readonly { amount: number; vatAmount: number }[], key: 'amount' | 'vatAmount'): number {
  return items.reduce((total, item) => total + item[key], 0);
}

/** A capture or a reversal: amounts, and order lines (when given) that add up to them. */
const MoneyTransaction = z
  .strictObject({
    description: Description,
    amount: PositiveMinorUnits,
    vatAmount: MinorUnits,
    payeeReference: PayeeReference,
    receiptReference: ReceiptReference.optional(),
    orderItems: z.array(OrderItem).min(1).optional(),
  })
  .refine((t) => t.vatAmount <= t.amount, { message: 'vatAmount must not exceed amount', path: ['vatAmount'] })
  .refine(
    (t) =>
      !t.orderItems || (sum(t.orderItems, 'amount') === t.amount && sum(t.orderItems, 'vatAmount') === t.vatAmount),
    {
      message: 'orderItems amounts and vatAmounts must add up to amount and vatAmount',
      path: ['orderItems'],
    },
  );

export const CaptureRequest = z.strictObject({ transaction: MoneyTransaction });
export const ReversalRequest = z.strictObject({ transaction: MoneyTransaction });
export const CancelRequest = z.strictObject({
  transaction: z.strictObject({ description: Description, payeeReference: PayeeReference }),
});
export const AbortRequest = z.strictObject({
  paymentorder: z.strictObject({ operation: z.literal('Abort'), abortReason: z.literal('CancelledByConsumer') }),
});
export const DeleteTokenRequest = z.strictObject({ state: z.literal('Deleted'), comment: z.string().min(1) });
