/**
 * How the OMS client waits for an operation's final result without leaving the caller unsure. Every
 * waiting request carries an OMS reference (one is made up when the caller gives none), so asking
 * again is harmless: the workflow answers a known reference with the first request's result. The
 * client therefore asks again, by workflow id (so across continue-as-new), whenever the answer was
 * lost: the run it was waiting on continued as new, the call timed out, Temporal was briefly away.
 * When the payment already has as many waiting updates as Temporal allows (10 at a time, 2,000 per
 * run), it hands the request over as a signal under the same reference and reads its outcome with
 * the `operation` query instead.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { OperationOutcome, OperationResult } from '../contract/index.js';
import { TemporalUnavailableError } from '../config/connect.js';
import { PaymentClosedError, PaymentNotFoundError, PaymentRequestRejectedError } from './errors.js';

/** gRPC status codes this module tells apart. */
const GRPC = { DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, UNAVAILABLE: 14 } as const;

/** The gRPC status under a client error, if it came from the server. */
export function grpcStatus(err: unknown): { code: number; details: string } | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const { code, details } = e as { code?: unknown; details?: unknown };
    if (typeof code === 'number') return { code, details: typeof details === 'string' ? details : e.message };
  }
  return undefined;
}

/** Temporal refuses more waiting updates on this run: 10 in flight at once, 2,000 in all. */
export function isUpdateLimit(err: unknown): boolean {
  const status = grpcStatus(err);
  if (!status) return false;
  return (
    (status.code === GRPC.RESOURCE_EXHAUSTED && /in-flight update/i.test(status.details)) ||
    (status.code === GRPC.FAILED_PRECONDITION && /number of distinct updates/i.test(status.details))
  );
}

/**
 * Worth asking again: the server was away or slow, and nothing says the request was refused. The
 * server also aborts an update it delivered in a workflow task it then failed (a signal raced a run
 * continuing as new or closing): the update was never accepted, so asking again is safe.
 */
function isTransient(err: unknown): boolean {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  const status = grpcStatus(err);
  return (
    status !== undefined &&
    (status.code === GRPC.UNAVAILABLE ||
      status.code === GRPC.DEADLINE_EXCEEDED ||
      /closing/i.test(status.details) ||
      (status.code === GRPC.FAILED_PRECONDITION && /unexpected workflow task failure/i.test(status.details)))
  );
}

/** The run that accepted the update ended (continued as new, or closed) before answering it. */
function isRunEnded(err: unknown): boolean {
  return (
    err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === 'AcceptedUpdateCompletedWorkflow'
  );
}

export type WorkflowStatus = 'running' | 'closed' | 'none';

/** What the waiting loop needs from the payment's workflow. */
export interface WaitingPort {
  paymentId: string;
  /** Sends the update (starting the workflow the first time, when it may need it). */
  update(): Promise<OperationResult>;
  /** Hands the request over as a signal under the same reference. */
  signal(): Promise<void>;
  /** The `operation` query for the request's reference. */
  outcome(): Promise<OperationOutcome>;
  status(): Promise<WorkflowStatus>;
  /** How long Temporal may stay unreachable before the caller is told. */
  unavailableForMs: number;
}

const backoff = (attempt: number) => Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));

/** The result once the operation is done; a typed error when it will not be. */
async function settled(port: WaitingPort): Promise<OperationResult> {
  const outcome = await port.outcome();
  if (outcome.status === 'done') return outcome.result;
  if (outcome.status === 'refused') {
    throw new PaymentRequestRejectedError(port.paymentId, outcome.code, outcome.message);
  }
  throw new PaymentClosedError(port.paymentId);
}

/** After the workflow said "not found" or "already completed": where does the payment stand? */
async function afterNotRunning(port: WaitingPort, err: unknown): Promise<'retry' | OperationResult> {
  const status = await port.status();
  if (status === 'running') return 'retry'; // a new run took over
  if (status === 'none') throw new PaymentNotFoundError(port.paymentId, { cause: err });
  // Closed: the request may have been carried out before the lifecycle ended.
  return settled(port).catch((e: unknown) => {
    throw e instanceof PaymentClosedError ? new PaymentClosedError(port.paymentId, { cause: err }) : e;
  });
}

/** Polls the `operation` query until the request handed over as a signal is done or refused. */
async function waitForSignalled(port: WaitingPort): Promise<OperationResult> {
  let failingSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    await sleep(backoff(attempt));
    let outcome: OperationOutcome;
    try {
      outcome = await port.outcome();
      failingSince = undefined;
    } catch (err) {
      failingSince ??= Date.now();
      if (Date.now() - failingSince > port.unavailableForMs) throw unavailable(err);
      continue;
    }
    if (outcome.status === 'done') return outcome.result;
    if (outcome.status === 'refused')
      throw new PaymentRequestRejectedError(port.paymentId, outcome.code, outcome.message);
    if (outcome.status === 'unknown' && attempt > 3 && (await port.status()) === 'closed') {
      throw new PaymentClosedError(port.paymentId);
    }
  }
}

function unavailable(err: unknown): TemporalUnavailableError {
  const message = err instanceof Error ? err.message : String(err);
  return new TemporalUnavailableError(`Temporal did not answer: ${message}; ask again with the same reference`, {
    cause: err,
  });
}

/** Sends a waiting request and returns its final result, asking again whenever that is safe. */
export async function awaitOperation(port: WaitingPort): Promise<OperationResult> {
  let failingSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await port.update();
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && !isRunEnded(err)) {
        // The validator's rule: nothing was sent to Swedbank Pay.
        throw new PaymentRequestRejectedError(port.paymentId, err.cause.type ?? 'rejected', err.cause.message, {
          cause: err,
        });
      }
      if (isUpdateLimit(err)) {
        await port.signal();
        return waitForSignalled(port);
      }
      if (
        isRunEnded(err) ||
        err instanceof WorkflowNotFoundError ||
        err instanceof WorkflowExecutionAlreadyStartedError
      ) {
        const next = await afterNotRunning(port, err);
        if (next !== 'retry') return next;
      } else if (isTransient(err)) {
        failingSince ??= Date.now();
        if (Date.now() - failingSince > port.unavailableForMs) throw unavailable(err);
      } else {
        throw err;
      }
    }
    await sleep(backoff(attempt));
  }
}
