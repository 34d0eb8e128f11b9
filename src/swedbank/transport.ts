/** One request to Swedbank Pay as the client's transport takes it, shared by both APIs' clients. */
import type { z } from 'zod';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface TransportRequest<T> {
  method: Method;
  /** A path on the configured API, or an operation's absolute href (which must point there too). */
  target: string;
  body?: unknown;
  /** The answer's documented shape: anything else is an UnexpectedResponseError. */
  schema: z.ZodType<T>;
  /** How errors show the path when it holds a secret (a token, masked). */
  shownPath?: string;
  /**
   * A 2xx answer whose body is not JSON is taken all the same (its schema then reads `undefined`): for
   * requests whose answer nothing is read from, whatever the portal's example of it looks like.
   */
  answerOptional?: true;
  /** The API version its media types name: Payment Order requests say 3.1. */
  version?: '3.1';
}

/** Sends one request: typed errors for problems and transport failures, the status and body otherwise. */
export interface Transport {
  send<T>(request: Omit<TransportRequest<T>, 'version'> & { operation: string }): Promise<{ status: number; data: T }>;
}
