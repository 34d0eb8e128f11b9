/**
 * The payment order as GET /psp/paymentorders/{id} shows it (and every POST and PATCH answers it):
 * `{ paymentOrder, operations }`, sub-resources as `{id}` links unless expanded, remaining* amounts
 * only where meaningful, and only the operations allowed right now, with absolute hrefs.
 */
import {
  offeredOperations,
  orderPath,
  orderStatus,
  orderTotals,
  type OrderStatus,
  type OrderTotals,
  type StoredPaymentOrder,
} from './model.js';
import { SUBRESOURCES, type SubresourceName } from './subresources.js';

/** The methods a merchant may offer; the order's own instrument is always among them. */
const AVAILABLE_INSTRUMENTS = ['CreditCard', 'Invoice-PayExFinancingSe', 'Swish', 'Trustly', 'Vipps', 'MobilePay'];

/** Link-only fields, in the portal's order; the expandable ones are built by subresources.ts. */
const LINKS: [field: string, segment: string][] = [
  ['orderItems', 'orderitems'],
  ['urls', 'urls'],
  ['payeeInfo', 'payeeinfo'],
  ['payer', 'payers'],
  ['history', 'history'],
  ['failed', 'failed'],
  ['aborted', 'aborted'],
  ['paid', 'paid'],
  ['cancelled', 'cancelled'],
  ['reversed', 'reversed'],
  ['financialTransactions', 'financialtransactions'],
  ['failedAttempts', 'failedattempts'],
  ['postPurchaseFailedAttempts', 'postpurchasefailedattempts'],
  ['metadata', 'metadata'],
];

export interface OrderOperation {
  method: 'GET' | 'POST' | 'PATCH';
  href: string;
  rel: string;
  contentType: string;
}

export function orderOperations(order: StoredPaymentOrder, baseUrl: string): OrderOperation[] {
  const offered = offeredOperations(order);
  const href = `${baseUrl}${orderPath(order)}`;
  const api = (method: 'POST' | 'PATCH', url: string, rel: string): OrderOperation => ({
    method,
    href: url,
    rel,
    contentType: 'application/json',
  });
  const operations: OrderOperation[] = [];
  if (offered.abort) operations.push(api('PATCH', href, 'abort'));
  if (offered.updateOrder) operations.push(api('PATCH', href, 'update-order'));
  if (offered.cancel) operations.push(api('POST', `${href}/cancellations`, 'cancel'));
  if (offered.capture) operations.push(api('POST', `${href}/captures`, 'capture'));
  if (offered.reversal) operations.push(api('POST', `${href}/reversals`, 'reversal'));
  if (offered.redirectCheckout) {
    // The payer's page; the emulator does not serve it (the payer is emulated by the admin API).
    operations.push({
      method: 'GET',
      href: `${baseUrl}/checkout/${order.id}`,
      rel: 'redirect-checkout',
      contentType: 'text/html',
    });
  }
  return operations;
}

/**
 * Capture and cancellation amounts exist once an Authorization is paid; the reversal amount once
 * something was captured or sold.
 */
function remainingAmounts(order: StoredPaymentOrder, totals: OrderTotals) {
  const authorization = totals.authorized > 0;
  const taken = totals.captured + totals.sold > 0;
  return {
    ...(authorization && {
      remainingCaptureAmount: totals.remainingCaptureAmount,
      remainingCancellationAmount: totals.remainingCancellationAmount,
    }),
    ...(taken && { remainingReversalAmount: totals.remainingReversalAmount }),
  };
}

/** `$expand=paid,financialtransactions` (case-insensitive, comma-separated) -> the names to expand. */
export function expansions(query: URLSearchParams): Set<string> {
  const names = (query.get('$expand') ?? '').split(',').map((name) => name.trim().toLowerCase());
  return new Set(names.filter((name) => name in SUBRESOURCES));
}

function links(order: StoredPaymentOrder, expand: Set<string>) {
  const path = orderPath(order);
  const fields: Record<string, unknown> = {};
  for (const [field, segment] of LINKS) {
    fields[field] = expand.has(segment)
      ? SUBRESOURCES[segment as SubresourceName].build(order)
      : { id: `${path}/${segment}` };
  }
  return fields;
}

/** GET /psp/paymentorders/{id}; sub-resource fields are `{id}` links (or expanded objects). */
export interface PaymentOrderResponse {
  paymentOrder: {
    id: string;
    created: string;
    updated: string;
    operation: 'Purchase';
    status: OrderStatus;
    currency: string;
    amount: number;
    vatAmount: number;
    remainingCaptureAmount?: number;
    remainingCancellationAmount?: number;
    remainingReversalAmount?: number;
    description: string;
    initiatingSystemUserAgent: string;
    language: string;
    availableInstruments: string[];
    implementation: string;
    integration: string;
    instrumentMode: boolean;
    guestMode: boolean;
    [link: string]: unknown;
  };
  operations: OrderOperation[];
}

export function orderResource(
  order: StoredPaymentOrder,
  baseUrl: string,
  expand: Set<string> = new Set(),
): PaymentOrderResponse {
  const totals = orderTotals(order);
  const instruments = AVAILABLE_INSTRUMENTS.includes(order.instrument)
    ? AVAILABLE_INSTRUMENTS
    : [order.instrument, ...AVAILABLE_INSTRUMENTS];
  return {
    paymentOrder: {
      id: orderPath(order),
      created: order.created,
      updated: order.updated,
      operation: 'Purchase',
      status: orderStatus(order),
      currency: order.currency,
      amount: order.amount,
      vatAmount: order.vatAmount,
      ...remainingAmounts(order, totals),
      description: order.description,
      initiatingSystemUserAgent: order.userAgent,
      language: order.language,
      availableInstruments: instruments,
      implementation: 'PaymentsOnly',
      integration: 'Redirect',
      instrumentMode: false,
      guestMode: false,
      ...links(order, expand),
    },
    operations: orderOperations(order, baseUrl),
  };
}
