/**
 * The Swedbank Pay API the emulator serves under /psp: payment resource, captures, cancellations,
 * reversals, transactions, abort and payment-token deletion, as the card seed page documents them.
 * Handlers validate the body with the strict request schemas of schemas.ts, apply the store's
 * rules and return a Reply; the server decides whether (and when) it reaches the socket.
 */
import {
  AbortRequest,
  CardCancellationRequest,
  CardCaptureRequest,
  CardReversalRequest,
  DeleteTokenRequest,
  InvoiceCancellationRequest,
  InvoiceCaptureRequest,
  InvoiceReversalRequest,
  type Instrument,
} from '../swedbank/schemas.js';
import type { CallbackDispatcher } from './callbacks.js';
import { inputError, jsonReply, parseJson, parseRequest, problemReply, type Reply } from './http.js';
import type { TransactionOutcomes } from './outcomes.js';
import type { PaymentOrders } from './payment-orders/service.js';
import {
  authorizationListResource,
  entryListPath,
  entryResource,
  instrumentDataResource,
  paymentPath,
  paymentResource,
  transactionPath,
  transactionResource,
  transactionsOfType,
} from './resources.js';
import type {
  AfterPaymentType,
  EmulatorStore,
  RuleResult,
  RuleViolation,
  StoredPayment,
  StoredTransaction,
  TransactionRequest,
} from './store.js';

export interface PspContext {
  baseUrl: string;
  store: EmulatorStore;
  outcomes: TransactionOutcomes;
  callbacks: CallbackDispatcher;
  /** Payment Order v3.1, served by payment-orders/. */
  paymentOrders: PaymentOrders;
}

interface PaymentAddress {
  instrument: Instrument;
  paymentId: string;
}

export type PspRoute =
  | { operation: 'get-payment' | 'abort' | 'list-transactions'; address: PaymentAddress }
  | { operation: 'capture' | 'cancellation' | 'reversal'; address: PaymentAddress; type: AfterPaymentType }
  | {
      operation: 'list-captures' | 'list-cancellations' | 'list-reversals';
      address: PaymentAddress;
      type: AfterPaymentType;
    }
  | {
      operation: 'get-capture' | 'get-cancellation' | 'get-reversal';
      address: PaymentAddress;
      type: AfterPaymentType;
      transactionId: string;
    }
  | { operation: 'get-transaction'; address: PaymentAddress; transactionId: string }
  | { operation: 'list-authorizations'; address: PaymentAddress }
  | { operation: 'delete-token' | 'get-token'; paymentToken: string };

/** Wire names per transaction type: the response key, list key and list field. */
const WIRE_NAMES = {
  Capture: { single: 'capture', list: 'captures', listField: 'captureList' },
  Cancellation: { single: 'cancellation', list: 'cancellations', listField: 'cancellationList' },
  Reversal: { single: 'reversal', list: 'reversals', listField: 'reversalList' },
} as const satisfies Record<AfterPaymentType, { single: string; list: string; listField: string }>;

interface CollectionRoute {
  type: AfterPaymentType;
  create: 'capture' | 'cancellation' | 'reversal';
  list: 'list-captures' | 'list-cancellations' | 'list-reversals';
  get: 'get-capture' | 'get-cancellation' | 'get-reversal';
}

const COLLECTIONS: Record<string, CollectionRoute> = {
  captures: { type: 'Capture', create: 'capture', list: 'list-captures', get: 'get-capture' },
  cancellations: { type: 'Cancellation', create: 'cancellation', list: 'list-cancellations', get: 'get-cancellation' },
  reversals: { type: 'Reversal', create: 'reversal', list: 'list-reversals', get: 'get-reversal' },
  // The seed's reversal ids (and the list id) use the singular; follow them as well.
  reversal: { type: 'Reversal', create: 'reversal', list: 'list-reversals', get: 'get-reversal' },
};

function isInstrument(value: string | undefined): value is Instrument {
  return value === 'creditcard' || value === 'invoice';
}

/** Maps method + path to an operation, or undefined (404). */
export function matchPspRoute(method: string, path: string): PspRoute | undefined {
  const segments = path.split('/').slice(1);
  const [root, instrument, payments, paymentId, collection, transactionId, ...rest] = segments;
  if (root !== 'psp' || !isInstrument(instrument) || payments !== 'payments' || !paymentId || rest.length > 0) {
    return undefined;
  }
  if (instrument === 'creditcard' && paymentId.toLowerCase() === 'instrumentdata') {
    if (!collection || transactionId !== undefined) return undefined;
    const paymentToken = decodeURIComponent(collection);
    if (method === 'PATCH') return { operation: 'delete-token', paymentToken };
    return method === 'GET' ? { operation: 'get-token', paymentToken } : undefined;
  }
  const address: PaymentAddress = { instrument, paymentId };
  if (collection === undefined) {
    if (method === 'GET') return { operation: 'get-payment', address };
    if (method === 'PATCH') return { operation: 'abort', address };
    return undefined;
  }
  if (collection === 'authorizations' && method === 'GET' && transactionId === undefined) {
    return { operation: 'list-authorizations', address };
  }
  if (collection === 'transactions' && method === 'GET') {
    return transactionId === undefined
      ? { operation: 'list-transactions', address }
      : { operation: 'get-transaction', address, transactionId };
  }
  const route = COLLECTIONS[collection];
  if (!route) return undefined;
  if (transactionId !== undefined) {
    return method === 'GET' ? { operation: route.get, address, type: route.type, transactionId } : undefined;
  }
  if (method === 'GET') return { operation: route.list, address, type: route.type };
  if (method === 'POST' && collection !== 'reversal') return { operation: route.create, address, type: route.type };
  return undefined;
}

/** Serves one routed request; `path` is the request path, used as the problem `instance`. */
export function handlePspRequest(context: PspContext, route: PspRoute, path: string, bodyText: string): Reply {
  const result = dispatch(context, route, bodyText);
  return result.ok ? result.value : problemReply(context.baseUrl, path, result.violation);
}

function dispatch(context: PspContext, route: PspRoute, bodyText: string): RuleResult<Reply> {
  switch (route.operation) {
    case 'delete-token':
      return deleteToken(context, route.paymentToken, bodyText);
    case 'get-token':
      return getToken(context, route.paymentToken);
    case 'get-payment':
      return withPayment(context, route.address, (payment) => paymentReply(context, payment));
    case 'abort':
      return withPayment(context, route.address, (payment) => abortPayment(context, payment, bodyText));
    case 'list-transactions':
      return withPayment(context, route.address, (payment) => transactionListReply(payment));
    case 'list-authorizations':
      return withPayment(context, route.address, (payment) => ({
        ok: true,
        value: jsonReply(200, authorizationListResource(payment)),
      }));
    case 'get-transaction':
      return withPayment(context, route.address, (payment) => transactionReply(payment, route.transactionId));
    case 'capture':
    case 'cancellation':
    case 'reversal':
      return createTransaction(context, route.address, route.type, bodyText);
    case 'list-captures':
    case 'list-cancellations':
    case 'list-reversals':
      return withPayment(context, route.address, (payment) => entryListReply(payment, route.type));
    case 'get-capture':
    case 'get-cancellation':
    case 'get-reversal':
      return withPayment(context, route.address, (payment) => entryReply(payment, route.type, route.transactionId));
  }
}

function paymentNotFound(paymentId: string): RuleViolation {
  return {
    kind: 'notfound',
    status: 404,
    detail: `No payment with id ${paymentId}`,
    problems: [{ name: 'Id', description: 'Payment not found' }],
  };
}

function transactionNotFound(transactionId: string): RuleViolation {
  return {
    kind: 'notfound',
    status: 404,
    detail: `No transaction with id ${transactionId} on this payment`,
    problems: [{ name: 'Id', description: 'Transaction not found' }],
  };
}

/** The payment at this address; a payment of the other instrument is not found here. */
function findPayment(context: PspContext, address: PaymentAddress): RuleResult<StoredPayment> {
  const payment = context.store.payment(address.paymentId);
  if (!payment || payment.instrument !== address.instrument) {
    return { ok: false, violation: paymentNotFound(address.paymentId) };
  }
  return { ok: true, value: payment };
}

function withPayment(
  context: PspContext,
  address: PaymentAddress,
  handle: (payment: StoredPayment) => RuleResult<Reply>,
): RuleResult<Reply> {
  const found = findPayment(context, address);
  return found.ok ? handle(found.value) : found;
}

function paymentReply(context: PspContext, payment: StoredPayment): RuleResult<Reply> {
  return { ok: true, value: jsonReply(200, paymentResource(payment, context.baseUrl)) };
}

function abortPayment(context: PspContext, payment: StoredPayment, bodyText: string): RuleResult<Reply> {
  const body = parseJson(bodyText);
  if (!body.ok) return body;
  const request = parseRequest(AbortRequest, body.value);
  if (!request.ok) return request;
  const aborted = context.store.abort(payment.id);
  if (!aborted.ok) return aborted;
  // The callback names the payment's latest transaction: the body always carries one.
  const latest = payment.transactions.at(-1);
  if (latest) context.callbacks.notify(payment, latest);
  return paymentReply(context, payment);
}

function transactionListReply(payment: StoredPayment): RuleResult<Reply> {
  return {
    ok: true,
    value: jsonReply(200, {
      payment: paymentPath(payment),
      transactions: {
        id: `${paymentPath(payment)}/transactions`,
        transactionList: payment.transactions.map((transaction) => transactionResource(payment, transaction)),
      },
    }),
  };
}

function transactionReply(payment: StoredPayment, transactionId: string): RuleResult<Reply> {
  const transaction = payment.transactions.find((candidate) => candidate.id === transactionId);
  if (!transaction) return { ok: false, violation: transactionNotFound(transactionId) };
  return {
    ok: true,
    value: jsonReply(200, { payment: paymentPath(payment), transaction: transactionResource(payment, transaction) }),
  };
}

function entryListReply(payment: StoredPayment, type: AfterPaymentType): RuleResult<Reply> {
  const names = WIRE_NAMES[type];
  const entries = transactionsOfType(payment, type).map((transaction) => entryResource(payment, transaction));
  return {
    ok: true,
    value: jsonReply(200, {
      payment: paymentPath(payment),
      [names.list]: { id: entryListPath(payment, type), [names.listField]: entries },
    }),
  };
}

function entryReply(payment: StoredPayment, type: AfterPaymentType, transactionId: string): RuleResult<Reply> {
  const transaction = transactionsOfType(payment, type).find((candidate) => candidate.id === transactionId);
  if (!transaction) return { ok: false, violation: transactionNotFound(transactionId) };
  return { ok: true, value: entryCreatedReply(payment, transaction, type) };
}

function entryCreatedReply(payment: StoredPayment, transaction: StoredTransaction, type: AfterPaymentType): Reply {
  return jsonReply(200, {
    payment: paymentPath(payment),
    [WIRE_NAMES[type].single]: entryResource(payment, transaction),
  });
}

function createTransaction(
  context: PspContext,
  address: PaymentAddress,
  type: AfterPaymentType,
  bodyText: string,
): RuleResult<Reply> {
  const body = parseJson(bodyText);
  if (!body.ok) return body;
  const request = parseTransactionRequest(address.instrument, type, body.value);
  if (!request.ok) return request;
  const found = findPayment(context, address);
  if (!found.ok) return found;
  const created = context.store.createTransaction(found.value.id, request.value, () =>
    context.outcomes.plan(address.instrument, type),
  );
  if (!created.ok) return created;
  const { payment, transaction, plan } = created.value;
  context.outcomes.track(transaction, plan);
  context.callbacks.notify(payment, transaction);
  if (transaction.state === 'Failed') return { ok: false, violation: declined(payment, transaction, type) };
  return { ok: true, value: entryCreatedReply(payment, transaction, type) };
}

/** A synchronous decline: the Failed transaction is recorded; card declines are acquirer errors. */
function declined(payment: StoredPayment, transaction: StoredTransaction, type: AfterPaymentType): RuleViolation {
  const reason = transaction.failedReason ?? 'Declined';
  return {
    kind: payment.instrument === 'creditcard' ? 'acquirererror' : 'forbidden',
    status: 403,
    detail: `The ${type.toLowerCase()} was declined: ${reason}. Transaction ${transactionPath(payment, transaction)} is Failed.`,
    problems: [{ name: 'Transaction', description: reason }],
  };
}

function parseTransactionRequest(
  instrument: Instrument,
  type: AfterPaymentType,
  body: unknown,
): RuleResult<TransactionRequest> {
  if (type === 'Cancellation') {
    const schema = instrument === 'creditcard' ? CardCancellationRequest : InvoiceCancellationRequest;
    const parsed = parseRequest(schema, body);
    if (!parsed.ok) return parsed;
    const { description, payeeReference } = parsed.value.transaction;
    return { ok: true, value: { type, description, payeeReference } };
  }
  const schema =
    type === 'Capture'
      ? instrument === 'creditcard'
        ? CardCaptureRequest
        : InvoiceCaptureRequest
      : instrument === 'creditcard'
        ? CardReversalRequest
        : InvoiceReversalRequest;
  const parsed = parseRequest(schema, body);
  if (!parsed.ok) return parsed;
  const { amount, vatAmount, description, payeeReference } = parsed.value.transaction;
  if (vatAmount > amount) {
    return {
      ok: false,
      violation: inputError('The request body is invalid', [
        { name: 'transaction.vatAmount', description: 'vatAmount must not exceed amount' },
      ]),
    };
  }
  return { ok: true, value: { type, amount, vatAmount, description, payeeReference } };
}

/** GET instrumentData: the token and whether it is deleted. */
function getToken(context: PspContext, paymentToken: string): RuleResult<Reply> {
  const token = context.store.token(paymentToken);
  if (!token) {
    return {
      ok: false,
      violation: {
        kind: 'notfound',
        status: 404,
        detail: 'No such payment token',
        problems: [{ name: 'PaymentToken', description: 'Payment token not found' }],
      },
    };
  }
  return { ok: true, value: jsonReply(200, instrumentDataResource(token, context.store.payeeId)) };
}

function deleteToken(context: PspContext, paymentToken: string, bodyText: string): RuleResult<Reply> {
  const body = parseJson(bodyText);
  if (!body.ok) return body;
  const request = parseRequest(DeleteTokenRequest, body.value);
  if (!request.ok) return request;
  const token = context.store.deleteToken(paymentToken);
  if (!token.ok) return token;
  return { ok: true, value: jsonReply(200, instrumentDataResource(token.value, context.store.payeeId)) };
}
