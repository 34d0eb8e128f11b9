/**
 * Serves a routed /psp/paymentorders request: every POST and PATCH must declare version 3.1, bodies
 * are checked against the strict schemas, then the order's rules apply. Post-purchase operations
 * and PATCH answer the whole payment order (202 for an asynchronous reversal); a decline answers
 * its problem, which is also listed in postPurchaseFailedAttempts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../http.js';
import { orderPath, type PostPurchaseRequest, type StoredPaymentOrder } from './model.js';
import {
  checkVersion,
  ok,
  orderJsonReply,
  orderNotFound,
  orderProblemReply,
  parseBody,
  refuse,
  type OrderResult,
} from './problems.js';
import { expansions, orderResource } from './resources.js';
import type { OrderRoute } from './routes.js';
import {
  CancellationRequest,
  CaptureRequest,
  DeleteTokenRequest,
  PatchOrderRequest,
  ReversalRequest,
} from './schemas.js';
import type { PaymentOrders } from './service.js';
import { financialTransactionItem, subresource } from './subresources.js';
import { deletedTokenResource } from './tokens.js';

export interface OrderContext {
  baseUrl: string;
  paymentOrders: PaymentOrders;
}

export interface OrderRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

export function handlePaymentOrderRequest(context: OrderContext, route: OrderRoute, request: OrderRequest): Reply {
  const writes = route.kind === 'patch' || route.kind === 'post-purchase' || route.kind === 'token';
  const versionProblem = writes ? checkVersion(request.headers) : undefined;
  const result = versionProblem ? refuse<Reply>(versionProblem) : dispatch(context, route, request);
  return result.ok ? result.value : orderProblemReply(request.path, result.violation);
}

function dispatch(context: OrderContext, route: OrderRoute, request: OrderRequest): OrderResult<Reply> {
  const { store } = context.paymentOrders;
  if (route.kind === 'token') return deleteToken(context, route, request.bodyText);
  const order = store.order(route.orderId);
  if (!order) return refuse(orderNotFound(route.orderId));
  switch (route.kind) {
    case 'get':
      return ok(orderReply(context, order, request.query));
    case 'patch':
      return patchOrder(context, order, request);
    case 'post-purchase':
      return postPurchase(context, order, route.type, request);
    case 'subresource':
      return ok(orderJsonReply(200, subresource(order, route.resource)));
    case 'transaction':
      return financialTransaction(order, route.transactionId);
  }
}

function orderReply(context: OrderContext, order: StoredPaymentOrder, query: URLSearchParams, status = 200): Reply {
  return orderJsonReply(status, orderResource(order, context.baseUrl, expansions(query)));
}

function patchOrder(context: OrderContext, order: StoredPaymentOrder, request: OrderRequest): OrderResult<Reply> {
  const body = parseBody(PatchOrderRequest, request.bodyText);
  if (!body.ok) return body;
  const patch = body.value.paymentorder;
  const { store } = context.paymentOrders;
  const changed =
    patch.operation === 'Abort'
      ? store.abort(order.id, patch.abortReason ?? 'Aborted by the merchant')
      : store.updateOrder(order.id, patch.amount, patch.vatAmount);
  return changed.ok ? ok(orderReply(context, changed.value, request.query)) : changed;
}

function parsePostPurchase(type: PostPurchaseRequest['type'], text: string): OrderResult<PostPurchaseRequest> {
  if (type === 'Cancellation') {
    const body = parseBody(CancellationRequest, text);
    return body.ok ? ok({ type, ...body.value.transaction }) : body;
  }
  const body = parseBody(type === 'Capture' ? CaptureRequest : ReversalRequest, text);
  return body.ok ? ok({ type, ...body.value.transaction }) : body;
}

function postPurchase(
  context: OrderContext,
  order: StoredPaymentOrder,
  type: PostPurchaseRequest['type'],
  request: OrderRequest,
): OrderResult<Reply> {
  const body = parsePostPurchase(type, request.bodyText);
  if (!body.ok) return body;
  const done = context.paymentOrders.postPurchase(order.id, body.value);
  if (!done.ok) return done;
  const { transaction, accepted } = done.value;
  if (transaction.state === 'Failed' && transaction.problem) return refuse(transaction.problem);
  return ok(orderReply(context, order, request.query, accepted ? 202 : 200));
}

function financialTransaction(order: StoredPaymentOrder, transactionId: string): OrderResult<Reply> {
  const transaction = order.transactions.find((t) => t.id === transactionId && t.state === 'Completed');
  if (!transaction) {
    return refuse({
      ...orderNotFound(order.id),
      detail: `No financial transaction ${transactionId} on ${orderPath(order)}`,
    });
  }
  return ok(
    orderJsonReply(200, {
      paymentorder: orderPath(order),
      financialTransaction: financialTransactionItem(order, transaction),
    }),
  );
}

function deleteToken(
  context: OrderContext,
  route: Extract<OrderRoute, { kind: 'token' }>,
  text: string,
): OrderResult<Reply> {
  const body = parseBody(DeleteTokenRequest, text);
  if (!body.ok) return body;
  const deleted = context.paymentOrders.store.tokens.delete(route.tokenType, route.token, body.value.comment);
  if (!deleted.ok) return deleted;
  return ok(orderJsonReply(200, deletedTokenResource(deleted.value)));
}
