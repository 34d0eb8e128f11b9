/**
 * HTTP plumbing shared by the Swedbank Pay routes and the admin API: handlers return a `Reply`
 * value instead of writing to the socket, so request faults can commit a request and then decide
 * to drop or delay its answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { problemType, type ProblemKind } from '../swedbank/problem-types.js';
import type { ProblemDetail, RuleResult, RuleViolation } from './store.js';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Request bodies larger than this are refused; no Swedbank Pay request comes close. */
export const MAX_BODY_BYTES = 1024 * 1024;

const PROBLEM_TITLES: Record<ProblemKind, string> = {
  inputerror: 'Error in input data',
  forbidden: 'Operation not allowed',
  notfound: 'Not found',
  unauthorized: 'Unauthorized',
  toomanyrequests: 'Too many requests',
  systemerror: 'System error',
  acquirererror: 'Acquirer error',
};

export function jsonReply(status: number, body: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body };
}

/** RFC 7807 problem+json, typed by `problemType(baseUrl, kind)`. */
export function problemReply(
  baseUrl: string,
  instance: string,
  violation: RuleViolation,
  headers: Record<string, string> = {},
): Reply {
  return {
    status: violation.status,
    headers: { 'content-type': 'application/problem+json; charset=utf-8', ...headers },
    body: {
      type: problemType(baseUrl, violation.kind),
      title: PROBLEM_TITLES[violation.kind],
      status: violation.status,
      detail: violation.detail,
      instance,
      problems: violation.problems,
    },
  };
}

export function inputError(detail: string, problems: ProblemDetail[]): RuleViolation {
  return { kind: 'inputerror', status: 400, detail, problems };
}

export function notFound(detail: string): RuleViolation {
  return { kind: 'notfound', status: 404, detail, problems: [{ name: 'Url', description: detail }] };
}

/** zod issues as Swedbank Pay-style problems naming each field, e.g. `transaction.amount`. */
export function problemsFromZod(error: z.ZodError): ProblemDetail[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ name: [...path, key].join('.'), description: 'Unknown field' }));
    }
    return [{ name: path.length > 0 ? path.join('.') : 'body', description: issue.message }];
  });
}

/** Validates a parsed JSON body against a strict request schema. */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): RuleResult<z.output<S>> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, violation: inputError('The request body is invalid', problemsFromZod(parsed.error)) };
}

/** The body as JSON: undefined when empty, a violation when malformed. */
export function parseJson(text: string): RuleResult<unknown> {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return {
      ok: false,
      violation: inputError('The request body is not valid JSON', [{ name: 'body', description: 'Malformed JSON' }]),
    };
  }
}

export class BodyTooLargeError extends Error {
  constructor() {
    super(`request body larger than ${MAX_BODY_BYTES} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function writeReply(response: ServerResponse, reply: Reply): void {
  if (response.destroyed || response.headersSent) return;
  const payload = reply.body === undefined ? '' : JSON.stringify(reply.body);
  response.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
