/**
 * The real parts a payment test needs, started once per test file: the Temporal dev server (from
 * the harness), the Swedbank Pay emulator on loopback, the callback receiver signalling workflows,
 * and a worker whose activities talk HTTP to the emulator. Nothing here is mocked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCallbackHandler } from '../src/callbacks/handler.js';
import { paymentStartOptions } from '../src/client/start-options.js';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/emulator/index.js';
import type { PaymentPolicy, PaymentWorkflowInput } from '../src/contract/index.js';
import { stateQuery, type PaymentWorkflowState } from '../src/contract/index.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { eventually, startWorker, teardownTemporal, type RunningWorker } from './harness.js';
import { cardToken, TEST_TOKEN } from './secrets.js';

/** Fast polling and short activity timeouts, so tests of lost callbacks take seconds. */
export const FAST_POLICY: PaymentPolicy = {
  pollInitialMs: 300,
  pollMaxMs: 1_000,
  activityTimeoutMs: 10_000,
};

export interface PaymentFixture {
  env: TestWorkflowEnvironment;
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  callbackUrl: string;
  worker: RunningWorker;
  stop(): Promise<void>;
}

export async function startPaymentFixture(
  env: TestWorkflowEnvironment,
  emulatorOptions: EmulatorOptions = {},
): Promise<PaymentFixture> {
  const emulator = await startEmulator({
    token: TEST_TOKEN,
    callbackRetryScheduleMs: [0, 200, 500],
    ...emulatorOptions,
  });
  // A short coalescing window: tests that wait for a quiet history should not wait out a trailing signal.
  const receiver: Server = createServer(
    createCallbackHandler({ client: env.client, throttle: { coalesceWindowMs: 100 } }),
  );
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks`;
  const worker = await startWorker(env, {
    swedbankPay: { baseUrl: emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 },
  });
  return {
    env,
    emulator,
    admin: new EmulatorAdmin(emulator.baseUrl),
    callbackUrl,
    worker,
    async stop() {
      await worker.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      await emulator.close();
    },
  };
}

/**
 * A test file's payment fixture: started before its tests on `env()`, stopped after them (with the
 * file's Temporal connections). The object is filled in by the `before` hook.
 */
export function usePaymentFixture(env: () => Promise<TestWorkflowEnvironment>): PaymentFixture {
  const fixture = {} as PaymentFixture;
  before(async () => {
    Object.assign(fixture, await startPaymentFixture(await env()));
  });
  after(async () => {
    await fixture.stop?.();
    await teardownTemporal();
  });
  return fixture;
}

export interface NewPayment {
  /** A legacy card or invoice payment (default card), or a payment order. */
  instrument?: 'creditcard' | 'invoice' | 'paymentorder';
  /** A payment order's payment method (default CreditCard; Swish and Trustly are one-phase sales). */
  paymentMethod?: string;
  /** A payment order's tokens, created when the payer pays. */
  tokens?: ('payment' | 'recurrence' | 'unscheduled')[];
  amount?: number;
  vatAmount?: number;
  paymentToken?: string;
  policy?: PaymentPolicy;
  orderId?: string;
  /** Leave the authorized amount for the workflow to read with GET. */
  readAmountAtStart?: boolean;
  /** Another worker's task queue (default: the fixture's worker). */
  taskQueue?: string;
}

let orders = 1000;

/** The payment at the emulator: a legacy payment or a paid payment order. */
async function createAtEmulator(
  fx: PaymentFixture,
  options: NewPayment,
  amount: number,
  token: string | undefined,
): Promise<string> {
  const vatAmount = options.vatAmount ?? Math.floor(amount / 5);
  if (options.instrument === 'paymentorder') {
    const created = await fx.admin.createPaymentOrder({
      amount,
      vatAmount,
      currency: 'SEK',
      instrument: options.paymentMethod ?? 'CreditCard',
      callbackUrl: fx.callbackUrl,
      ...(options.tokens && { tokens: options.tokens }),
    });
    return created.paymentOrder.id;
  }
  const created = await fx.admin.createPayment({
    instrument: options.instrument ?? 'creditcard',
    amount,
    vatAmount,
    currency: 'SEK',
    callbackUrl: fx.callbackUrl,
    ...(token !== undefined && { paymentToken: token }),
  });
  return created.payment.id;
}

/** Callbacks the emulator delivered for a payment (or gave up on): how many the workflow should count. */
async function deliveredCallbacks(
  fx: PaymentFixture,
  paymentId: string,
): Promise<{ delivered: number; done: boolean }> {
  const log = paymentId.startsWith('/psp/paymentorders/')
    ? (await fx.admin.paymentOrderCallbacks()).filter((c) => c.body.paymentOrder.id === paymentId)
    : (await fx.admin.callbacks()).filter((c) => c.body.payment.id === paymentId);
  const delivered = log.filter((c) => c.delivered).length;
  return { delivered, done: delivered > 0 || log.some((c) => c.event === 'gave-up') };
}

/** An authorized payment in the emulator and its workflow, started the way the OMS starts it. */
export async function startPayment(
  fx: PaymentFixture,
  options: NewPayment = {},
): Promise<{ handle: WorkflowHandle<typeof swedbankPayPayment>; paymentId: string; input: PaymentWorkflowInput }> {
  const amount = options.amount ?? 100_000;
  const token = options.paymentToken === undefined ? undefined : cardToken(options.paymentToken);
  const paymentId = await createAtEmulator(fx, options, amount, token);
  const input: PaymentWorkflowInput = {
    paymentId,
    orderId: options.orderId ?? `order-${process.pid}-${++orders}`,
    ...(!options.readAmountAtStart && { currency: 'SEK', authorizedAmount: amount }),
    ...(token !== undefined && { paymentToken: { token, type: 'PaymentToken' } }),
    policy: { ...FAST_POLICY, ...options.policy },
  };
  const handle = await fx.env.client.workflow.start(
    swedbankPayPayment,
    paymentStartOptions(input, options.taskQueue ?? fx.worker.taskQueue),
  );
  // The authorization's callback may have come before the workflow existed (404, retried): let it
  // land and be applied first, so tests that count callbacks count only their own.
  let delivered = 0;
  for (let i = 0; i < 100; i++) {
    const seen = await deliveredCallbacks(fx, paymentId);
    delivered = seen.delivered;
    if (seen.done) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitForState(handle, (s) => s.callbacksReceived >= delivered, { what: 'authorization callback applied' });
  return { handle, paymentId, input };
}

export function state(handle: WorkflowHandle): Promise<PaymentWorkflowState> {
  return handle.query(stateQuery);
}

/** Polls the workflow's state until `done` holds, a bounded number of times. */
export async function waitForState(
  handle: WorkflowHandle,
  done: (s: PaymentWorkflowState) => boolean,
  { attempts = 150, intervalMs = 100, what = 'state' } = {},
): Promise<PaymentWorkflowState> {
  let last: PaymentWorkflowState | undefined;
  const shown = () =>
    JSON.stringify({
      ledger: last?.ledger,
      queue: last?.queue,
      attention: last?.attentionReasons,
      callbacksReceived: last?.callbacksReceived,
    });
  return eventually(
    async () => {
      last = await state(handle);
      return done(last) ? last : undefined;
    },
    { attempts, intervalMs, what: () => `${what} (last state ${shown()})` },
  );
}

/**
 * Under `npm run histories:save` (SAVE_HISTORIES_DIR set), keeps a run's history in the archive that
 * the replay test replays. Never overwrites an archived history.
 */
export async function saveHistory(handle: WorkflowHandle, name: string): Promise<void> {
  const dir = process.env.SAVE_HISTORIES_DIR;
  if (!dir) return;
  const history = await handle.fetchHistory();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), historyToJSON(history), { flag: 'wx' });
}
