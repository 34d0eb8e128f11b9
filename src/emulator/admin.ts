/**
 * The emulator's own control API under /_emulator (JSON, no auth; loopback only): create
 * authorized payments (or payments awaiting the payer's authorization, then authorize or decline
 * them) and payment orders (payment-orders/admin.ts), set request faults, async outcomes and
 * callback faults, settle pending transactions, read the ledger and the callback log, reset.
 * Tests, the demo and users' CI drive the emulator through it; Swedbank Pay has no such API.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { Description, Instrument, MinorUnits, PayeeReference, PositiveMinorUnits } from '../swedbank/schemas.js';
import { CallbackFaultRuleSet, type CallbackDispatcher } from './callbacks.js';
import { FaultRuleSet, type RequestFaults } from './faults.js';
import { jsonReply, notFound, parseJson, parseRequest, problemReply, type Reply } from './http.js';
import { CompleteTransactionRequest, OutcomeRuleSet } from './outcomes.js';
import { PAYMENT_ORDER_ADMIN_ROUTES } from './payment-orders/admin.js';
import { paymentOrderLedgerEntry } from './payment-orders/ledger.js';
import { orderProblemReply } from './payment-orders/problems.js';
import { financialTransactionItem } from './payment-orders/subresources.js';
import type { PspContext } from './psp-api.js';
import { ledgerEntry, paymentResource, paymentPath, transactionResource } from './resources.js';
import type { RuleResult, StoredPayment, StoredTransaction } from './store.js';

export const ADMIN_PREFIX = '/_emulator';

export interface AdminContext extends PspContext {
  faults: RequestFaults;
  callbacks: CallbackDispatcher;
  /** Forgets everything: payments, faults, async rules, callback log. */
  reset(): void;
}

export const CreatePaymentRequest = z
  .strictObject({
    instrument: Instrument,
    amount: PositiveMinorUnits,
    vatAmount: MinorUnits,
    currency: z.string().regex(/^[A-Z]{3}$/, 'currency is an ISO 4217 code such as SEK'),
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    paymentToken: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'paymentToken is 1-64 letters, digits or -')
      .optional(),
    description: Description.optional(),
    payeeReference: PayeeReference.optional(),
    /** Not authorized yet: the payer is still paying (authorize or decline it later). */
    awaitingAuthorization: z.boolean().optional(),
  })
  .refine((payment) => payment.vatAmount <= payment.amount, {
    message: 'vatAmount must not exceed amount',
    path: ['vatAmount'],
  });
export type CreatePaymentInput = z.input<typeof CreatePaymentRequest>;

/** A payment's UUID or its `/psp/.../payments/<id>` path. */
const PaymentReference = z.string().min(1);

export const AuthorizePaymentRequest = z.strictObject({
  paymentId: PaymentReference,
  /** Default: the payment's amount; another amount models a partial authorization. */
  amount: PositiveMinorUnits.optional(),
});
export type AuthorizePaymentInput = z.input<typeof AuthorizePaymentRequest>;

export const FailAuthorizationRequest = z.strictObject({
  paymentId: PaymentReference,
  failedReason: z.string().min(1).max(200).optional(),
  /** Default true: the payment is Failed. false: a declined attempt, the payer may try again. */
  final: z.boolean().optional(),
});
export type FailAuthorizationInput = z.input<typeof FailAuthorizationRequest>;

/** The answer of authorize and fail-authorization: the payment and its new authorization transaction. */
export interface AuthorizationChange {
  payment: string;
  transaction: ReturnType<typeof transactionResource>;
}

type AdminHandler = (context: AdminContext, body: unknown) => RuleResult<Reply>;

const ok = (reply: Reply): RuleResult<Reply> => ({ ok: true, value: reply });

const ROUTES: Record<string, Partial<Record<string, AdminHandler>>> = {
  '/payments': { POST: createPayment },
  '/payments/authorize': { POST: authorizePayment },
  '/payments/fail-authorization': { POST: failAuthorization },
  '/faults': {
    GET: (context) => ok(jsonReply(200, context.faults.list())),
    PUT: replaceFaults,
    DELETE: (context) => {
      context.faults.clear();
      return ok(jsonReply(200, context.faults.list()));
    },
  },
  '/async': {
    GET: (context) => ok(jsonReply(200, { rules: context.outcomes.list() })),
    PUT: replaceOutcomeRules,
    DELETE: (context) => {
      context.outcomes.replace([]);
      return ok(jsonReply(200, { rules: [] }));
    },
  },
  '/transactions/complete': { POST: completeTransaction },
  '/callback-faults': {
    GET: (context) => ok(jsonReply(200, context.callbacks.faults())),
    PUT: replaceCallbackFaults,
    DELETE: (context) => {
      context.callbacks.replaceFaults([]);
      return ok(jsonReply(200, context.callbacks.faults()));
    },
  },
  '/ledger': { GET: (context) => ok(jsonReply(200, ledger(context))) },
  '/callbacks': { GET: (context) => ok(jsonReply(200, { callbacks: context.callbacks.entries() })) },
  '/reset': {
    POST: (context) => {
      context.reset();
      return ok(jsonReply(200, { reset: true }));
    },
  },
};

export function handleAdminRequest(
  context: AdminContext,
  method: string,
  path: string,
  bodyText: string,
  headers: IncomingHttpHeaders = {},
): Reply {
  const orderHandler = method === 'POST' ? PAYMENT_ORDER_ADMIN_ROUTES[path.slice(ADMIN_PREFIX.length)] : undefined;
  if (orderHandler) return orderHandler(context, { path, headers, bodyText });
  const handler = ROUTES[path.slice(ADMIN_PREFIX.length)]?.[method];
  if (!handler) return problemReply(context.baseUrl, path, notFound(`No emulator admin route ${method} ${path}`));
  const body = parseJson(bodyText);
  const result = body.ok ? handler(context, body.value) : body;
  return result.ok ? result.value : problemReply(context.baseUrl, path, result.violation);
}

function createPayment(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(CreatePaymentRequest, body);
  if (!request.ok) return request;
  const created = context.store.createPayment({
    ...request.value,
    description: request.value.description ?? 'Emulated purchase',
  });
  if (!created.ok) return created;
  const payment = created.value;
  // A payment awaiting its authorization has no transaction yet, so nothing to call back about.
  const authorization = payment.transactions[0];
  if (authorization) context.callbacks.notify(payment, authorization);
  return ok(jsonReply(201, paymentResource(payment, context.baseUrl)));
}

function authorizePayment(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(AuthorizePaymentRequest, body);
  if (!request.ok) return request;
  const changed = context.store.authorize(lastSegment(request.value.paymentId), request.value.amount);
  return changed.ok ? ok(authorizationReply(context, changed.value)) : changed;
}

function failAuthorization(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(FailAuthorizationRequest, body);
  if (!request.ok) return request;
  const { paymentId, ...options } = request.value;
  const changed = context.store.failAuthorization(lastSegment(paymentId), options);
  return changed.ok ? ok(authorizationReply(context, changed.value)) : changed;
}

/** Calls back as Swedbank Pay does after the payer's attempt (callback faults apply), then answers. */
function authorizationReply(
  context: AdminContext,
  { payment, transaction }: { payment: StoredPayment; transaction: StoredTransaction },
): Reply {
  context.callbacks.notify(payment, transaction);
  const answer: AuthorizationChange = {
    payment: paymentPath(payment),
    transaction: transactionResource(payment, transaction),
  };
  return jsonReply(200, answer);
}

function lastSegment(idOrPath: string): string {
  return idOrPath.split('/').pop() ?? '';
}

function replaceFaults(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(FaultRuleSet, body);
  if (!request.ok) return request;
  context.faults.replace(request.value.rules, request.value.seed);
  return ok(jsonReply(200, context.faults.list()));
}

function replaceOutcomeRules(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(OutcomeRuleSet, body);
  if (!request.ok) return request;
  context.outcomes.replace(request.value.rules);
  return ok(jsonReply(200, { rules: context.outcomes.list() }));
}

function replaceCallbackFaults(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(CallbackFaultRuleSet, body);
  if (!request.ok) return request;
  context.callbacks.replaceFaults(request.value.rules, request.value.seed);
  return ok(jsonReply(200, context.callbacks.faults()));
}

function completeTransaction(context: AdminContext, body: unknown): RuleResult<Reply> {
  const request = parseRequest(CompleteTransactionRequest, body);
  if (!request.ok) return request;
  const { transactionId, outcome, failedReason } = request.value;
  const id = lastSegment(transactionId);
  if (context.paymentOrders.ownsTransaction(id)) return ok(settleOrderTransaction(context, id, outcome, failedReason));
  const settled = context.outcomes.settle(transactionId, outcome, failedReason);
  if (!settled.ok) return settled;
  const { payment, transaction } = settled.value;
  return ok(jsonReply(200, { payment: paymentPath(payment), transaction: transactionResource(payment, transaction) }));
}

/** A pending payment order reversal: `{paymentOrder, transaction}`, the transaction as financialTransactions lists it. */
function settleOrderTransaction(
  context: AdminContext,
  transactionId: string,
  outcome: 'Completed' | 'Failed',
  failedReason?: string,
): Reply {
  const settled = context.paymentOrders.settle(transactionId, outcome, failedReason);
  if (!settled.ok) return orderProblemReply(`${ADMIN_PREFIX}/transactions/complete`, settled.violation);
  const { order, transaction } = settled.value;
  return jsonReply(200, {
    paymentOrder: `/psp/paymentorders/${order.id}`,
    transaction: { ...financialTransactionItem(order, transaction), state: transaction.state },
  });
}

/**
 * Every payment and payment order with its transactions, plus sums per currency (amounts of
 * different currencies never mix; a payment order's Sale counts as authorized and captured).
 */
function ledger(context: AdminContext) {
  const payments = [
    ...context.store.allPayments().map(ledgerEntry),
    ...context.paymentOrders.store.all().map(paymentOrderLedgerEntry),
  ];
  const totalsByCurrency: Record<
    string,
    { payments: number; authorized: number; captured: number; cancelled: number; reversed: number }
  > = {};
  for (const entry of payments) {
    const totals = (totalsByCurrency[entry.currency] ??= {
      payments: 0,
      authorized: 0,
      captured: 0,
      cancelled: 0,
      reversed: 0,
    });
    const sold = entry.totals.sold ?? 0;
    totals.payments += 1;
    totals.authorized += entry.totals.authorized + sold;
    totals.captured += entry.totals.captured + sold;
    totals.cancelled += entry.totals.cancelled;
    totals.reversed += entry.totals.reversed;
  }
  const tokens = context.store.allTokens().map(({ paymentToken, deleted }) => ({ paymentToken, isDeleted: deleted }));
  return { payeeId: context.store.payeeId, payments, totalsByCurrency, tokens };
}
