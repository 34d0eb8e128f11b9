/**
 * Swedbank Pay's problem types (RFC 7807 `type`), the only field of an error to branch on.
 * The host part varies by environment (api.payex.com, api.externalintegration.payex.com, the
 * emulator), so code compares the path after the host: see `problemKind`.
 */
export const PROBLEM_TYPE_PATHS = {
  /** 400: the request is invalid; `problems[]` names the fields (e.g. PayeeReference already used). */
  inputerror: '/psp/errordetail/inputerror',
  /** 403: the operation is not allowed in the payment's current state (pending, nothing left, locked). */
  forbidden: '/psp/errordetail/forbidden',
  /** 404: no such payment, transaction or payment token. */
  notfound: '/psp/errordetail/notfound',
  /** 401: the bearer token is missing or wrong. */
  unauthorized: '/psp/errordetail/unauthorized',
  /** 429: too many requests; honour Retry-After. */
  toomanyrequests: '/psp/errordetail/toomanyrequests',
  /** 5xx: Swedbank Pay failed; transient. */
  systemerror: '/psp/errordetail/systemerror',
  /** 403 on a card transaction the acquirer declined; the failed transaction is recorded. */
  acquirererror: '/psp/errordetail/creditcard/acquirererror',
} as const;

export type ProblemKind = keyof typeof PROBLEM_TYPE_PATHS;

/** The kind of a problem `type` URL, or undefined for a type this library does not know. */
export function problemKind(type: string): ProblemKind | undefined {
  let path: string;
  try {
    path = new URL(type).pathname;
  } catch {
    path = type;
  }
  path = path.toLowerCase().replace(/\/+$/, '');
  for (const [kind, known] of Object.entries(PROBLEM_TYPE_PATHS)) {
    if (path === known) return kind as ProblemKind;
  }
  return undefined;
}

/** The full `type` URL of a problem kind for a given API origin. */
export function problemType(origin: string, kind: ProblemKind): string {
  return `${origin.replace(/\/+$/, '')}${PROBLEM_TYPE_PATHS[kind]}`;
}
