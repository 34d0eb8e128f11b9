/**
 * `npm run chaos`: a fault run. Payments (every other one a payment order, the rest legacy card
 * payments) are driven through the OMS client (waiting updates and fire-and-forget signals, the first
 * starting the workflow) while worker processes are SIGKILLed and restarted, the Temporal dev server
 * is stopped and restarted once on the same database, Swedbank Pay callbacks are duplicated, delayed
 * and dropped, and answers are lost after commit or fail with 503.
 * Then every payment's workflow ledger is compared with the emulator's, entry by entry, and with what
 * the OMS asked for. Exits 1 on any duplicate, difference or stuck payment.
 *   npm run chaos                 200 payments
 *   CHAOS_PAYMENTS=50 npm run chaos
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createCallbackHandler } from '../src/callbacks/handler.js';
import { PaymentsClient } from '../src/client/payments-client.js';
import { connectClient } from '../src/config/connect.js';
import { temporalSettingsFromEnv } from '../src/config/temporal.js';
import type { PaymentWorkflowInput } from '../src/contract/index.js';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import { startEmulator } from '../src/emulator/index.js';
import { installQuietRuntime, quietBundlerLogger } from '../src/temporal/logging.js';
import { startDevServer } from '../src/temporal/servers.js';
import { workflowBundleOptions } from '../src/worker.js';
import { checkPayment, type Asked, type Verdict } from './chaos/verdict.js';
import { freePort } from './production-shape/processes.js';

installQuietRuntime();
const PAYMENTS = Number(process.env.CHAOS_PAYMENTS ?? 200);
const CONCURRENCY = 10;
const WORKERS = 2;
const TOKEN = 'chaos-token';
const TASK_QUEUE = 'chaos';
const POLICY = { pollInitialMs: 300, pollMaxMs: 2_000, activityTimeoutMs: 10_000, reversalWindowMs: 600_000 };

const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const dir = mkdtempSync(join(tmpdir(), 'swedbank-pay-chaos-'));
const counts = { workerKills: 0, serverRestarts: 0, rejectedOperations: 0 };

const port = await freePort();
const dbFilename = join(dir, 'dev-server.db');
const startServer = () => startDevServer({ port, dbFilename, log: () => undefined });
let server: TestWorkflowEnvironment = await startServer();
const address = `127.0.0.1:${port}`;
log(`dev server on ${address} (data in ${dbFilename})`);

const emulator = await startEmulator({
  token: TOKEN,
  seed: 20261127,
  callbackRetryScheduleMs: [0, 1_000, 3_000, 10_000],
});
const admin = new EmulatorAdmin(emulator.baseUrl);
await admin.setFaults(
  [
    ...(['capture', 'cancellation', 'reversal', 'abort', 'delete-token'] as const).map((operation) => ({
      operation,
      probability: 0.08,
      fault: { kind: 'commit-then-drop' as const },
    })),
    { method: 'POST', probability: 0.05, fault: { kind: 'status' as const, status: 503 as const } },
  ],
  7,
);
await admin.setCallbackFaults([
  { kind: 'drop', probability: 0.25 },
  { kind: 'duplicate', probability: 0.3 },
  { kind: 'delay', ms: 700, probability: 0.3 },
]);

const connected = await connectClient(temporalSettingsFromEnv({ TEMPORAL_ADDRESS: address }));
const receiver = createServer(createCallbackHandler({ client: connected.client }));
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callbacks`;

const bundlePath = join(dir, 'workflow-bundle.js');
writeFileSync(bundlePath, (await bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietBundlerLogger })).code);

const workers = new Set<ChildProcess>();
function startWorkerProcess(): void {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./chaos/worker.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SWEDBANK_PAY_BASE_URL: emulator.baseUrl,
      SWEDBANK_PAY_TOKEN: TOKEN,
      CHAOS_WORKFLOW_BUNDLE: bundlePath,
    },
    stdio: 'ignore',
  });
  workers.add(child);
  child.once('exit', () => workers.delete(child));
}
for (let i = 0; i < WORKERS; i++) startWorkerProcess();

/** Kills a worker every few seconds (and starts another); restarts the server once, midway. */
let stopFaults = false;
const faults = (async () => {
  while (!stopFaults) {
    await sleep(3_000 + Math.random() * 3_000);
    if (stopFaults) break;
    const victim = [...workers][Math.floor(Math.random() * workers.size)];
    if (victim) {
      victim.kill('SIGKILL');
      counts.workerKills++;
    }
    startWorkerProcess();
  }
})();
async function restartServer(): Promise<void> {
  log('stopping the Temporal server');
  await server.teardown();
  await sleep(2_000);
  server = await startServer();
  counts.serverRestarts++;
  log('Temporal server restarted on the same database');
}

const payments = new PaymentsClient({ client: connected.client, taskQueue: TASK_QUEUE, unavailableForMs: 180_000 });

/** Every other order is a payment order (Payment Order v3.1), the rest legacy card payments. */
async function createAtEmulator(n: number, amount: number): Promise<string> {
  if (n % 2 === 1) {
    const created = await admin.createPaymentOrder({ amount, vatAmount: 0, currency: 'SEK', callbackUrl });
    return created.paymentOrder.id;
  }
  const created = await admin.createPayment({
    instrument: 'creditcard',
    amount,
    vatAmount: 0,
    currency: 'SEK',
    callbackUrl,
  });
  return created.payment.id;
}

/** One order: two shipments (a waiting capture, then an event), the order closed, a return. */
async function order(n: number): Promise<Asked> {
  const amount = 10_000 + Math.floor(Math.random() * 90_000);
  const input: PaymentWorkflowInput = {
    paymentId: await createAtEmulator(n, amount),
    orderId: `chaos-${n}`,
    currency: 'SEK',
    authorizedAmount: amount,
    policy: POLICY,
  };
  const asked: Asked = { paymentId: input.paymentId, authorized: amount, operations: [] };
  const note = async (
    kind: Asked['operations'][number]['kind'],
    amountAsked: number | undefined,
    run: () => Promise<unknown>,
  ) => {
    try {
      const result = await run();
      asked.operations.push({
        kind,
        amount: amountAsked,
        answer: result === undefined ? 'handed-over' : 'answered',
        result,
      });
    } catch (err) {
      counts.rejectedOperations++;
      asked.operations.push({
        kind,
        amount: amountAsked,
        answer: 'refused',
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
  };
  const first = Math.floor(amount * 0.4);
  const second = Math.floor(amount * 0.3);
  await note('capture', first, () => payments.capture(input, { amount: first, vatAmount: 0, reference: 'ship-1' }));
  await note('capture', second, () =>
    payments.captureRequested(input.paymentId, { amount: second, vatAmount: 0, reference: 'ship-2' }),
  );
  await note('cancellation', undefined, () => payments.cancel(input.paymentId, { reference: 'order-closed' }));
  const back = Math.floor(first / 2);
  await note('reversal', back, () =>
    payments.reversalRequested(input.paymentId, { amount: back, vatAmount: 0, reference: 'return-1' }),
  );
  return asked;
}

const started = Date.now();
const asked: Asked[] = [];
let next = 0;
let restarted: Promise<void> | undefined;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < PAYMENTS) {
      const n = next++;
      if (n === Math.floor(PAYMENTS * 0.4)) restarted = restartServer();
      asked.push(await order(n));
      if (n % 25 === 0) log(`${asked.length} of ${PAYMENTS} orders sent`);
    }
  }),
);
await restarted;
stopFaults = true;
await faults;
while (workers.size < WORKERS) startWorkerProcess();
log(
  `all ${PAYMENTS} orders sent in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for every payment to settle`,
);

const verdicts: Verdict[] = [];
for (const a of asked) verdicts.push(await checkPayment(a, payments, admin));
const failed = verdicts.filter((v) => v.problems.length > 0);
const summary = {
  payments: verdicts.length,
  operationsAsked: asked.reduce((n, a) => n + a.operations.length, 0),
  refusedWithTypedError: counts.rejectedOperations,
  workerKills: counts.workerKills,
  serverRestarts: counts.serverRestarts,
  emulatorFaultsFired: (await admin.faults()).rules.reduce((n, r) => n + r.fired, 0),
  duplicates: verdicts.reduce((n, v) => n + v.duplicates, 0),
  ledgerDifferences: verdicts.reduce((n, v) => n + v.differences, 0),
  stuck: verdicts.filter((v) => v.stuck).length,
  seconds: Math.round((Date.now() - started) / 1000),
};
console.log(JSON.stringify(summary, null, 2));
for (const v of failed.slice(0, 10)) console.log(`${v.paymentId}: ${v.problems.join('; ')}`);

for (const child of workers) child.kill('SIGTERM');
receiver.close();
await connected.close();
await emulator.close();
await server.teardown();
rmSync(dir, { recursive: true, force: true });
process.exit(failed.length === 0 ? 0 : 1);
