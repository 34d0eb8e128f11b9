/**
 * The request bodies of Payment Order v3.1 as the emulator accepts them: strict (an undocumented
 * field is refused), integer minor units, vatAmount within amount. Own schemas, so the emulator
 * checks what the documentation says rather than what this package's client happens to send.
 */
import { z } from 'zod';

export const MinorUnits = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const PositiveMinorUnits = MinorUnits.refine((n) => n > 0, 'must be a positive integer');
export const PayeeReference = z.string().regex(/^[A-Za-z0-9]{1,30}$/, 'payeeReference must match [A-Za-z0-9]{1,30}');
const ReceiptReference = z.string().min(1).max(30);
const Text = z.string().min(1);

export const OrderItemType = z.enum([
  'PRODUCT',
  'SERVICE',
  'SHIPPING_FEE',
  'PAYMENT_FEE',
  'DISCOUNT',
  'VALUE_CODE',
  'OTHER',
]);

/** One line of `orderItems` (capture and reversal); vatPercent is percent x 100 (25 % = 2500). */
export const OrderItem = z.strictObject({
  reference: Text,
  name: Text,
  type: OrderItemType,
  class: z.string().regex(/^[\w-]+$/, 'class is letters, digits, _ or - (no spaces)'),
  itemUrl: Text.optional(),
  imageUrl: Text.optional(),
  description: Text.optional(),
  discountDescription: Text.optional(),
  quantity: z.number().nonnegative(),
  quantityUnit: Text,
  unitPrice: z.number().int(),
  discountPrice: z.number().int().optional(),
  vatPercent: z.number().int().min(0).max(10_000),
  amount: z.number().int(),
  vatAmount: z.number().int(),
});
export type OrderItem = z.infer<typeof OrderItem>;

const vatWithinAmount: [(t: { amount: number; vatAmount: number }) => boolean, { message: string; path: string[] }] = [
  (t) => t.vatAmount <= t.amount,
  { message: 'vatAmount must not exceed amount', path: ['vatAmount'] },
];

/** Capture and reversal share one body. */
const MoneyTransaction = z
  .strictObject({
    description: Text,
    amount: PositiveMinorUnits,
    vatAmount: MinorUnits,
    payeeReference: PayeeReference,
    receiptReference: ReceiptReference.optional(),
    orderItems: z.array(OrderItem).optional(),
  })
  .refine(...vatWithinAmount);

export const CaptureRequest = z.strictObject({ transaction: MoneyTransaction });
export const ReversalRequest = CaptureRequest;

/** No amount: a cancellation releases everything not captured. */
export const CancellationRequest = z.strictObject({
  transaction: z.strictObject({
    description: z.string().min(1).max(40, 'description is at most 40 characters'),
    payeeReference: PayeeReference,
  }),
});

export const AbortReason = z.enum(['CancelledByConsumer', 'CancelledByCustomer']);

/** PATCH on the order: Abort, or UpdateOrder (new amount) while the payer has not paid. */
export const PatchOrderRequest = z.strictObject({
  paymentorder: z.discriminatedUnion('operation', [
    z.strictObject({ operation: z.literal('Abort'), abortReason: AbortReason.optional() }),
    z
      .strictObject({
        operation: z.literal('UpdateOrder'),
        amount: PositiveMinorUnits,
        vatAmount: MinorUnits,
        orderItems: z.array(OrderItem).optional(),
      })
      .refine(...vatWithinAmount),
  ]),
});

export const DeleteTokenRequest = z.strictObject({
  state: z.literal('Deleted'),
  comment: Text,
});

export const TokenType = z.enum(['payment', 'recurrence', 'unscheduled']);
export type TokenType = z.infer<typeof TokenType>;

/** One-phase instruments: the payer's payment is a Sale, nothing to capture or cancel. */
export const ONE_PHASE_INSTRUMENTS: readonly string[] = ['Swish', 'Trustly'];
/** Instruments that can carry tokens; others refuse `tokens` at creation. */
export const TOKEN_INSTRUMENTS: readonly string[] = ['CreditCard', 'Trustly'];

/** POST /_emulator/paymentorders: the order as if the merchant created it and (by default) the payer paid. */
export const CreatePaymentOrderRequest = z
  .strictObject({
    amount: PositiveMinorUnits,
    vatAmount: MinorUnits.default(0),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code such as SEK')
      .default('SEK'),
    instrument: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,49}$/, 'instrument is a payment method name such as CreditCard')
      .default('CreditCard'),
    /** false: Initialized, the payer has not paid yet. */
    paid: z.boolean().default(true),
    tokens: z.array(TokenType).max(3).default([]),
    orderReference: z.string().min(1).max(50).optional(),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    payeeReference: PayeeReference.optional(),
    description: z.string().min(1).max(40).default('Emulated purchase'),
    language: z
      .string()
      .regex(/^[a-z]{2}-[A-Z]{2}$/)
      .default('sv-SE'),
  })
  .refine(...vatWithinAmount)
  .refine((order) => order.tokens.length === 0 || TOKEN_INSTRUMENTS.includes(order.instrument), {
    message: `tokens are only generated for ${TOKEN_INSTRUMENTS.join(' and ')}`,
    path: ['tokens'],
  });
export type CreatePaymentOrderInput = z.input<typeof CreatePaymentOrderRequest>;

/** A payment order's UUID or its `/psp/paymentorders/<id>` path. */
const OrderReference = z.string().min(1);

export const PayPaymentOrderRequest = z.strictObject({
  paymentOrderId: OrderReference,
  /** Default the order's amount; less models a payer paying part (e.g. a partial authorization). */
  amount: PositiveMinorUnits.optional(),
});

export const FailPaymentOrderRequest = z.strictObject({
  paymentOrderId: OrderReference,
  reason: z.string().min(1).max(200).optional(),
  /** true: the order is Failed; default false: one failed attempt, the payer may try again. */
  final: z.boolean().optional(),
});

export const PayerAbortPaymentOrderRequest = z.strictObject({ paymentOrderId: OrderReference });
