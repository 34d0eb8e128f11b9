/**
 * The OMS client API: what an order-management system calls. One payment workflow per Swedbank Pay
 * payment; fulfilment events go in as signals (fire and forget) or updates (wait for Swedbank Pay's
 * answer), each keyed by the OMS's own reference so a redelivered event is harmless. Given the
 * payment's input instead of its id, an event starts the workflow if it is not running yet
 * (signal-with-start / update-with-start).
 */
import { randomUUID } from 'node:crypto';
import {
  type Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  ApplicationFailure,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { parsePaymentId, PAYMENT_WORKFLOW_TYPE, TASK_QUEUE } from '../contract/index.js';
import { connectClient } from '../config/connect.js';
import { tracingFromEnv } from '../config/observability.js';
import { temporalSettingsFromEnv, type Environment } from '../config/temporal.js';
import type { PaymentWorkflowInput } from '../contract/index.js';
import {
  abortSignal,
  abortUpdate,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenSignal,
  deleteTokenUpdate,
  reverseSignal,
  reverseUpdate,
  operationQuery,
  stateQuery,
  type AbortRequest,
  type CancelRequest,
  type CaptureRequest,
  type DeleteTokenRequest,
  type OperationKind,
  type OperationResult,
  type PaymentWorkflowState,
  type ReversalRequest,
} from '../contract/index.js';
import type { swedbankPayPayment } from '../workflows/payment.js';
import {
  PaymentClosedError,
  PaymentNotFoundError,
  PaymentRequestRejectedError,
  PaymentStateUnavailableError,
} from './errors.js';
import {
  DEFAULT_LIST_LIMIT,
  listQuery,
  toListEntry,
  type PaymentListEntry,
  type PaymentListFilter,
} from './listing.js';
import { expiryDueProblem } from '../domain/policy.js';
import { InvalidPaymentInputError, paymentStartOptions } from './start-options.js';
import { checkRequest } from './request-checks.js';
import { checkTarget, workflowIdOf } from './targets.js';
import { awaitOperation, grpcStatus, type WorkflowStatus } from './waiting.js';

/**
 * Which payment: its Swedbank Pay id (the workflow must exist), or its whole workflow input (the
 * workflow is started if it is not running yet).
 */
export type PaymentTarget = string | PaymentWorkflowInput;

type WithReference<T> = T & { reference: string };

export interface PaymentsClientOptions {
  client: Client;
  /** The workers' task queue; default `swedbank-pay`. */
  taskQueue?: string;
  /**
   * How long a waiting request keeps asking while Temporal does not answer, before it throws
   * TemporalUnavailableError (ask again later with the same reference). Default 60 s.
   */
  unavailableForMs?: number;
}

/** References the client makes up for waiting requests given without one. */
export const CLIENT_REFERENCE_PREFIX = 'client-';

export class PaymentsClient {
  readonly client: Client;
  readonly taskQueue: string;
  readonly #unavailableForMs: number;
  readonly #closeConnection: (() => Promise<void>) | undefined;

  constructor(options: PaymentsClientOptions, closeConnection?: () => Promise<void>) {
    this.client = options.client;
    this.taskQueue = options.taskQueue ?? TASK_QUEUE;
    this.#unavailableForMs = options.unavailableForMs ?? 60_000;
    this.#closeConnection = closeConnection;
  }

  /**
   * Connects with the settings in the environment (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
   * TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE, TEMPORAL_TASK_QUEUE). Call `close()` when done.
   * With `tracing` (by default: when OTEL_EXPORTER_OTLP_ENDPOINT is set) every request carries the
   * caller's OpenTelemetry trace into the payment's workflow (src/client/tracing.ts); the spans go to
   * the OpenTelemetry SDK the process registered.
   */
  static async connect(env: Environment = process.env, options: { tracing?: boolean } = {}): Promise<PaymentsClient> {
    const tracing = options.tracing ?? tracingFromEnv(env);
    const workflowInterceptors = tracing ? await (await import('./tracing.js')).tracingClientInterceptors() : [];
    const connected = await connectClient(temporalSettingsFromEnv(env), { workflowInterceptors });
    return new PaymentsClient({ client: connected.client, taskQueue: connected.settings.taskQueue }, () =>
      connected.close(),
    );
  }

  /** Closes the connection `connect()` opened; a client passed in is left to its owner. */
  async close(): Promise<void> {
    await this.#closeConnection?.();
  }

  /**
   * The raw workflow handle of a payment, for what this API does not cover. A payment id that is not
   * one throws InvalidPaymentInputError.
   */
  handle(paymentId: string): WorkflowHandle<typeof swedbankPayPayment> {
    return this.client.workflow.getHandle<typeof swedbankPayPayment>(workflowIdOf(paymentId));
  }

  /**
   * Starts tracking a payment. Idempotent: when its workflow is already running (or has run), nothing
   * new starts and `started` is false. Invalid input throws InvalidPaymentInputError.
   */
  async track(input: PaymentWorkflowInput): Promise<{ workflowId: string; started: boolean }> {
    const options = paymentStartOptions(input, this.taskQueue);
    const due = expiryDueProblem(input.policy, parsePaymentId(input.paymentId)!.instrument, Date.now());
    if (due) {
      // Tracked already: nothing starts, as for any repeated track. Otherwise this start is refused.
      if (await this.#exists(options.workflowId)) return { workflowId: options.workflowId, started: false };
      throw new InvalidPaymentInputError([due]);
    }
    try {
      await this.client.workflow.start<typeof swedbankPayPayment>(PAYMENT_WORKFLOW_TYPE, options);
      return { workflowId: options.workflowId, started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return { workflowId: options.workflowId, started: false };
      throw err;
    }
  }

  /** Whether the payment's workflow exists (running or run). */
  async #exists(workflowId: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  // Fulfilment events, fire and forget. The reference makes redelivery harmless. A request of a shape
  // the workflow would refuse rejects with PaymentRequestRejectedError and is not sent; one its state
  // refuses (more than remains) shows only in the state's rejectedSignals.

  /** A shipment: capture its amount (with `finalFulfilment` on the last one, the rest is cancelled). */
  captureRequested(target: PaymentTarget, request: WithReference<CaptureRequest>): Promise<void> {
    return this.#signal(target, 'capture', captureSignal, request);
  }

  /** The order is closed: cancel whatever remains uncaptured. */
  cancelRequested(target: PaymentTarget, request: WithReference<CancelRequest>): Promise<void> {
    return this.#signal(target, 'cancellation', cancelSignal, request);
  }

  /** A return: reverse (refund) captured money. */
  reversalRequested(target: PaymentTarget, request: WithReference<ReversalRequest>): Promise<void> {
    return this.#signal(target, 'reversal', reverseSignal, request);
  }

  abortRequested(target: PaymentTarget, request: WithReference<AbortRequest>): Promise<void> {
    return this.#signal(target, 'abort', abortSignal, request);
  }

  deleteTokenRequested(target: PaymentTarget, request: WithReference<DeleteTokenRequest>): Promise<void> {
    return this.#signal(target, 'delete-token', deleteTokenSignal, request);
  }

  // The same operations, waiting for Swedbank Pay's final answer. A request the workflow would refuse
  // rejects with PaymentRequestRejectedError (the workflow's code) and nothing is sent to Swedbank Pay;
  // a transaction Swedbank Pay fails is a result with state 'Failed', not an exception.

  capture(target: PaymentTarget, request: CaptureRequest): Promise<OperationResult> {
    return this.#update(target, 'capture', captureUpdate, captureSignal, request);
  }

  cancel(target: PaymentTarget, request: CancelRequest = {}): Promise<OperationResult> {
    return this.#update(target, 'cancellation', cancelUpdate, cancelSignal, request);
  }

  reverse(target: PaymentTarget, request: ReversalRequest): Promise<OperationResult> {
    return this.#update(target, 'reversal', reverseUpdate, reverseSignal, request);
  }

  abort(target: PaymentTarget, request: AbortRequest = {}): Promise<OperationResult> {
    return this.#update(target, 'abort', abortUpdate, abortSignal, request);
  }

  deleteToken(target: PaymentTarget, request: DeleteTokenRequest = {}): Promise<OperationResult> {
    return this.#update(target, 'delete-token', deleteTokenUpdate, deleteTokenSignal, request);
  }

  /** Everything about one payment: ledger, queue, flags (answered by the workflow, open or closed). */
  async state(paymentId: string): Promise<PaymentWorkflowState> {
    workflowIdOf(paymentId); // a bad id is the caller's mistake, not a state that "could not be read"
    try {
      return await this.handle(paymentId).query(stateQuery);
    } catch (err) {
      throw await this.#translateQuery(paymentId, err);
    }
  }

  /**
   * Payments by state, order id or needs-attention, from visibility (eventually consistent). A filter
   * that is not one rejects with InvalidListFilterError.
   */
  async list(filter: PaymentListFilter = {}): Promise<PaymentListEntry[]> {
    const query = listQuery(filter);
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    const entries: PaymentListEntry[] = [];
    for await (const info of this.client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
      entries.push(toListEntry(info));
      if (entries.length >= limit) break;
    }
    return entries;
  }

  async #signal<T>(
    target: PaymentTarget,
    kind: OperationKind,
    signal: SignalDefinition<[T]>,
    payload: T,
  ): Promise<void> {
    const { paymentId, instrument, startOptions } = checkTarget(target, this.taskQueue);
    checkRequest(paymentId, instrument, kind, payload, true);
    await this.#sendSignal(paymentId, startOptions, signal, payload);
  }

  /** Signals the payment's workflow; with start options, signal-with-start. */
  async #sendSignal<T>(
    paymentId: string,
    startOptions: WorkflowStartOptions<typeof swedbankPayPayment> | undefined,
    signal: SignalDefinition<[T]>,
    payload: T,
  ): Promise<void> {
    try {
      if (!startOptions) {
        await this.handle(paymentId).signal(signal, payload);
      } else {
        await this.client.workflow.signalWithStart<typeof swedbankPayPayment, [T]>(PAYMENT_WORKFLOW_TYPE, {
          ...startOptions,
          signal,
          signalArgs: [payload],
        });
      }
    } catch (err) {
      throw await this.#translate(paymentId, err);
    }
  }

  /**
   * A waiting request: its final result, asking again (same reference, so harmless) whenever the
   * answer was lost, and handing it over as a signal when the payment has too many waiting updates.
   */
  async #update<T extends { reference?: string }>(
    target: PaymentTarget,
    kind: OperationKind,
    update: UpdateDefinition<OperationResult, [T]>,
    signal: SignalDefinition<[T & { reference: string }]>,
    request: T,
  ): Promise<OperationResult> {
    const { paymentId, instrument, startOptions } = checkTarget(target, this.taskQueue);
    const given = checkRequest(paymentId, instrument, kind, request, false);
    const reference = given.reference ?? `${CLIENT_REFERENCE_PREFIX}${randomUUID()}`;
    const payload = { ...(request ?? {}), reference } as T & { reference: string };
    const updateId = randomUUID(); // the same across this request's retries within one run
    let startWith = startOptions;
    const handle = this.handle(paymentId);
    return awaitOperation({
      paymentId,
      unavailableForMs: this.#unavailableForMs,
      update: async () => {
        if (!startWith) return handle.executeUpdate(update, { args: [payload], updateId });
        const startWorkflowOperation = new WithStartWorkflowOperation<typeof swedbankPayPayment>(
          PAYMENT_WORKFLOW_TYPE,
          { ...startWith, workflowIdConflictPolicy: 'USE_EXISTING' },
        );
        const result = this.client.workflow.executeUpdateWithStart(update, {
          args: [payload],
          updateId,
          startWorkflowOperation,
        });
        // Started (or found running) once the start operation resolves: later attempts only update.
        startWorkflowOperation.workflowHandle().then(
          () => (startWith = undefined),
          () => undefined,
        );
        return result;
      },
      signal: () => this.#sendSignal(paymentId, startWith, signal, payload),
      outcome: () => handle.query(operationQuery, { kind, reference }),
      status: () => this.#status(paymentId),
    });
  }

  async #status(paymentId: string): Promise<WorkflowStatus> {
    try {
      return (await this.handle(paymentId).describe()).status.name === 'RUNNING' ? 'running' : 'closed';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'none';
      throw err;
    }
  }

  /** A query's failure in the OMS's terms: the payment is not there, or its state cannot be read now. */
  async #translateQuery(paymentId: string, err: unknown): Promise<unknown> {
    const translated = await this.#translate(paymentId, err);
    if (translated !== err) return translated;
    const status = grpcStatus(err);
    const reason =
      status?.code === 4 // DEADLINE_EXCEEDED
        ? 'no worker answered in time (is a worker running on its task queue?)'
        : err instanceof Error
          ? `${err.message}${status ? ` (${status.details})` : ''}`
          : String(err);
    return new PaymentStateUnavailableError(paymentId, reason, { cause: err });
  }

  /** Temporal's errors in the OMS's terms; anything else (connection trouble) passes through. */
  async #translate(paymentId: string, err: unknown): Promise<unknown> {
    if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
      return new PaymentRequestRejectedError(paymentId, err.cause.type ?? 'rejected', err.cause.message, {
        cause: err,
      });
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) return new PaymentClosedError(paymentId, { cause: err });
    if (err instanceof WorkflowNotFoundError) {
      // "Not found" also means "its latest run has closed": the workflow's status tells which.
      const closed = await this.handle(paymentId)
        .describe()
        .then((d) => d.status.name !== 'RUNNING')
        .catch(() => false);
      return closed
        ? new PaymentClosedError(paymentId, { cause: err })
        : new PaymentNotFoundError(paymentId, { cause: err });
    }
    return err;
  }
}
