/**
 * Maps method + path under /psp/paymentorders to an operation (named as fault rules name them),
 * or undefined (404). Sub-resource and token segments are matched case-insensitively, as the
 * portal spells them in more than one way.
 */
import type { PspOperationName } from '../faults.js';
import type { PostPurchaseType } from './model.js';
import type { TokenType } from './schemas.js';
import type { SubresourceName } from './subresources.js';
import { TOKEN_PATH_SEGMENTS } from './tokens.js';

/** `kind` says how to serve it; `operation` is the name fault rules match. */
export type OrderRoute =
  | { kind: 'get'; operation: 'get-paymentorder'; orderId: string }
  | { kind: 'patch'; operation: 'abort' | 'update-order'; orderId: string }
  | {
      kind: 'post-purchase';
      operation: 'capture' | 'cancellation' | 'reversal';
      orderId: string;
      type: PostPurchaseType;
    }
  | { kind: 'subresource'; operation: PspOperationName; orderId: string; resource: SubresourceName }
  | { kind: 'transaction'; operation: 'get-financialtransaction'; orderId: string; transactionId: string }
  | { kind: 'token'; operation: 'delete-token'; tokenType: TokenType; token: string };

const POST_PURCHASE: Record<string, { operation: 'capture' | 'cancellation' | 'reversal'; type: PostPurchaseType }> = {
  captures: { operation: 'capture', type: 'Capture' },
  cancellations: { operation: 'cancellation', type: 'Cancellation' },
  reversals: { operation: 'reversal', type: 'Reversal' },
};

const SUBRESOURCE_ROUTES: Record<string, { operation: PspOperationName; resource: SubresourceName }> = {
  paid: { operation: 'get-paid', resource: 'paid' },
  cancelled: { operation: 'get-cancelled', resource: 'cancelled' },
  reversed: { operation: 'get-reversed', resource: 'reversed' },
  failed: { operation: 'get-failed', resource: 'failed' },
  aborted: { operation: 'get-aborted', resource: 'aborted' },
  financialtransactions: { operation: 'list-financialtransactions', resource: 'financialtransactions' },
  failedattempts: { operation: 'list-failedattempts', resource: 'failedattempts' },
  postpurchasefailedattempts: { operation: 'list-postpurchasefailedattempts', resource: 'postpurchasefailedattempts' },
  // The portal's request example spells the path this way; the order's link the other.
  failedpostpurchaseattempts: { operation: 'list-postpurchasefailedattempts', resource: 'postpurchasefailedattempts' },
  history: { operation: 'get-history', resource: 'history' },
};

export function isPaymentOrderPath(path: string): boolean {
  return path === '/psp/paymentorders' || path.startsWith('/psp/paymentorders/');
}

/** PATCH on the order is an abort unless the body names UpdateOrder (fault rules tell them apart). */
function patchOperation(bodyText: string): 'abort' | 'update-order' {
  try {
    const body = JSON.parse(bodyText) as { paymentorder?: { operation?: unknown } } | null;
    return body?.paymentorder?.operation === 'UpdateOrder' ? 'update-order' : 'abort';
  } catch {
    return 'abort';
  }
}

export function matchPaymentOrderRoute(method: string, path: string, bodyText: string): OrderRoute | undefined {
  const [root, api, first, second, third, ...rest] = path.split('/').slice(1);
  if (root !== 'psp' || api !== 'paymentorders' || !first || rest.length > 0) return undefined;
  const tokenType = TOKEN_PATH_SEGMENTS[first.toLowerCase()];
  if (tokenType !== undefined) {
    if (method !== 'PATCH' || !second || third !== undefined) return undefined;
    return { kind: 'token', operation: 'delete-token', tokenType, token: decodeURIComponent(second) };
  }
  const orderId = first;
  if (second === undefined) {
    if (method === 'GET') return { kind: 'get', operation: 'get-paymentorder', orderId };
    return method === 'PATCH' ? { kind: 'patch', operation: patchOperation(bodyText), orderId } : undefined;
  }
  const segment = second.toLowerCase();
  const postPurchase = POST_PURCHASE[segment];
  if (postPurchase) {
    return method === 'POST' && third === undefined ? { kind: 'post-purchase', ...postPurchase, orderId } : undefined;
  }
  if (method !== 'GET') return undefined;
  if (segment === 'financialtransactions' && third !== undefined) {
    return { kind: 'transaction', operation: 'get-financialtransaction', orderId, transactionId: third };
  }
  const subresource = SUBRESOURCE_ROUTES[segment];
  return subresource && third === undefined ? { kind: 'subresource', ...subresource, orderId } : undefined;
}
