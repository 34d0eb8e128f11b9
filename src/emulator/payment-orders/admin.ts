/**
 * The admin API for payment orders (/_emulator/paymentorders...): create one (paid by default),
 * and act as the payer would on an Initialized one: pay, fail an attempt, abort. Each answers the
 * order as GET /psp/paymentorders/{id} shows it; the payer's acts call back like any change.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from '../http.js';
import type { OrderContext } from './handlers.js';
import { orderJsonReply, orderProblemReply, parseBody, type OrderResult } from './problems.js';
import { orderResource } from './resources.js';
import {
  CreatePaymentOrderRequest,
  FailPaymentOrderRequest,
  PayerAbortPaymentOrderRequest,
  PayPaymentOrderRequest,
} from './schemas.js';
import type { OrderChange } from './model.js';

export const DEFAULT_USER_AGENT = 'swedbank-pay-emulator-admin';
const FAILED_ATTEMPT_REASON = 'REJECTED_BY_ACQUIRER-unknown error, response-code: 51';

export interface AdminRequest {
  path: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
}

function answer(context: OrderContext, path: string, result: OrderResult<OrderChange>): Reply {
  if (!result.ok) return orderProblemReply(path, result.violation);
  return orderJsonReply(200, orderResource(result.value.order, context.baseUrl));
}

/** `/psp/paymentorders/<id>` or the bare id. */
function orderId(idOrPath: string): string {
  return idOrPath.split('/').pop() ?? '';
}

export function createPaymentOrder(context: OrderContext, request: AdminRequest): Reply {
  const body = parseBody(CreatePaymentOrderRequest, request.bodyText);
  if (!body.ok) return orderProblemReply(request.path, body.violation);
  const { paid, ...input } = body.value;
  const userAgent = request.headers['user-agent'] ?? DEFAULT_USER_AGENT;
  const created = context.paymentOrders.create({ ...input, userAgent }, paid);
  if (!created.ok) return orderProblemReply(request.path, created.violation);
  return orderJsonReply(201, orderResource(created.value, context.baseUrl));
}

export function payPaymentOrder(context: OrderContext, request: AdminRequest): Reply {
  const body = parseBody(PayPaymentOrderRequest, request.bodyText);
  if (!body.ok) return orderProblemReply(request.path, body.violation);
  const { paymentOrderId, amount } = body.value;
  return answer(context, request.path, context.paymentOrders.pay(orderId(paymentOrderId), amount));
}

export function failPaymentOrder(context: OrderContext, request: AdminRequest): Reply {
  const body = parseBody(FailPaymentOrderRequest, request.bodyText);
  if (!body.ok) return orderProblemReply(request.path, body.violation);
  const { paymentOrderId, reason, final } = body.value;
  const failed = context.paymentOrders.failAttempt(
    orderId(paymentOrderId),
    reason ?? FAILED_ATTEMPT_REASON,
    final ?? false,
  );
  return answer(context, request.path, failed);
}

export function payerAbortPaymentOrder(context: OrderContext, request: AdminRequest): Reply {
  const body = parseBody(PayerAbortPaymentOrderRequest, request.bodyText);
  if (!body.ok) return orderProblemReply(request.path, body.violation);
  return answer(context, request.path, context.paymentOrders.payerAbort(orderId(body.value.paymentOrderId)));
}

export const PAYMENT_ORDER_ADMIN_ROUTES: Record<string, (context: OrderContext, request: AdminRequest) => Reply> = {
  '/paymentorders': createPaymentOrder,
  '/paymentorders/pay': payPaymentOrder,
  '/paymentorders/fail': failPaymentOrder,
  '/paymentorders/payer-abort': payerAbortPaymentOrder,
};
