/**
 * Problems (RFC 7807) as Payment Order v3.1 answers them: `type` is an identifier URL on
 * api.payex.com whatever the host (the portal says to hard-code it), `problems[]` names fields in
 * Swedbank Pay's style (`Transaction.Amount`). Also the v3.1 content negotiation: the version
 * every POST and PATCH must declare, and the version every answer carries.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Reply } from '../http.js';
import type { ProblemDetail } from '../store.js';
import type { OrderProblem, OrderTransactionType, StoredPaymentOrder } from './model.js';

export const ERROR_DETAIL_BASE = 'https://api.payex.com/psp/errordetail';
export const ORDER_PROBLEM_BASE = `${ERROR_DETAIL_BASE}/paymentorders`;

export type { OrderProblem };

export type OrderResult<T> = { ok: true; value: T } | { ok: false; violation: OrderProblem };

export const ok = <T>(value: T): OrderResult<T> => ({ ok: true, value });
export const refuse = <T>(violation: OrderProblem): OrderResult<T> => ({ ok: false, violation });

export function inputError(detail: string, problems: ProblemDetail[], status = 400): OrderProblem {
  return { type: `${ORDER_PROBLEM_BASE}/inputerror`, title: 'Error in input data', status, detail, problems };
}

export function forbidden(detail: string, name = 'PaymentOrder'): OrderProblem {
  return {
    type: `${ORDER_PROBLEM_BASE}/forbidden`,
    title: 'Operation not allowed',
    status: 403,
    detail,
    problems: [{ name, description: detail }],
  };
}

export function orderNotFound(orderId: string): OrderProblem {
  const detail = `No payment order with id ${orderId}`;
  return {
    type: `${ORDER_PROBLEM_BASE}/notfound`,
    title: 'Not found',
    status: 404,
    detail,
    problems: [{ name: 'Id', description: detail }],
  };
}

/** The instrument's segment of a method-specific problem type: `Invoice-PayExFinancingSe` -> `invoice`. */
function instrumentSlug(instrument: string): string {
  return (instrument.split('-')[0] ?? instrument).toLowerCase();
}

function operationFailed(type: string, what: OrderTransactionType, reason: string): OrderProblem {
  return {
    type,
    title: 'Operation failed',
    status: 403,
    detail: `Unable to complete ${what} transaction, look at problem node!`,
    problems: [{ name: 'ExternalResponse', description: reason }],
  };
}

/** A declined capture, cancellation or reversal: card declines are acquirer errors, as the portal shows. */
export function declineProblem(order: StoredPaymentOrder, what: OrderTransactionType, reason: string): OrderProblem {
  const slug = instrumentSlug(order.instrument);
  const type = slug === 'creditcard' ? 'creditcard/acquirererror' : `${slug}/forbidden`;
  return operationFailed(`${ERROR_DETAIL_BASE}/${type}`, what, reason);
}

/** A payer's failed (or, with `aborted`, cancelled) attempt, as failedAttempts lists it. */
export function payerProblem(order: StoredPaymentOrder, reason: string, aborted = false): OrderProblem {
  const slug = instrumentSlug(order.instrument);
  const kind = aborted ? '3dsecureusercanceled' : 'acquirererror';
  return operationFailed(`${ERROR_DETAIL_BASE}/${slug}/${kind}`, order.paymentType, reason);
}

/** `transaction.orderItems.0.vatAmount` -> `Transaction.OrderItems[0].VatAmount`. */
function problemName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'Body';
  return path
    .map((segment) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : `.${String(segment).charAt(0).toUpperCase()}${String(segment).slice(1)}`,
    )
    .join('')
    .replace(/^\./, '');
}

export function problemsFromZod(error: z.ZodError): ProblemDetail[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ name: problemName([...issue.path, key]), description: 'Unknown field' }));
    }
    return [{ name: problemName(issue.path), description: issue.message }];
  });
}

/** JSON.parse, then the strict schema; either failure is a 400 inputerror naming the fields. */
export function parseBody<S extends z.ZodType>(schema: S, text: string): OrderResult<z.output<S>> {
  let json: unknown;
  try {
    json = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    return refuse(inputError('The request body is not valid JSON', [{ name: 'Body', description: 'Malformed JSON' }]));
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  return refuse(
    inputError('Input validation failed, error description in problems node!', problemsFromZod(parsed.error)),
  );
}

/**
 * v3.1 needs `Content-Type: application/json;version=3.1` on POST and PATCH (parameters in any
 * order and spacing). Without it the real API would answer in an older version; here it fails loudly.
 */
export function checkVersion(headers: IncomingHttpHeaders): OrderProblem | undefined {
  const [mediaType = '', ...parameters] = (headers['content-type'] ?? '').split(';');
  const version = parameters
    .map((parameter) => parameter.split('=').map((part) => part.trim().replace(/^"|"$/g, '')))
    .find(([name]) => name?.toLowerCase() === 'version')?.[1];
  if (mediaType.trim().toLowerCase() === 'application/json' && version === '3.1') return undefined;
  return inputError('The Content-Type header must be application/json;version=3.1', [
    {
      name: 'Content-Type',
      description: `Expected application/json;version=3.1, got ${headers['content-type'] ?? 'none'}`,
    },
  ]);
}

const V31_HEADERS = { 'content-type': 'application/json; charset=utf-8; version=3.1', 'api-supported-versions': '3.1' };

export function orderJsonReply(status: number, body: unknown): Reply {
  return { status, headers: { ...V31_HEADERS }, body };
}

export function orderProblemReply(instance: string, problem: OrderProblem): Reply {
  return {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', 'api-supported-versions': '3.1' },
    body: { ...problem, instance },
  };
}
