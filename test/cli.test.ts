// The package's command line as an operator runs it: help, usage errors, and the operator commands
// against a real dev server and the emulator. Run from source here; the installed package's
// bin/swedbank-pay-temporal.js, which runs the compiled CLI, is tried by package-consumer.test.ts.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { COMMANDS } from '../src/cli/main.js';
import { paymentWorkflowId } from '../src/contract/index.js';
import { eventually, temporal } from './harness.js';
import { startPayment, usePaymentFixture } from './payment-fixture.js';

const CLI = new URL('../src/cli/main.ts', import.meta.url).pathname;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('command line: help and usage', () => {
  it('lists every command, and each has its own --help', async () => {
    const top = await cli(['--help']);
    assert.equal(top.code, 0);
    for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`^  ${command.name} `, 'm'));
    const helps = await Promise.all(COMMANDS.map((command) => cli([command.name, '--help'])));
    helps.forEach((help, i) => {
      assert.equal(help.code, 0, `${COMMANDS[i]!.name} --help`);
      assert.match(help.stdout, new RegExp(`^Usage: swedbank-pay-temporal ${COMMANDS[i]!.name}`));
    });
  });

  it('refuses bad usage with exit code 2, before connecting anywhere', async () => {
    const unknown = await cli(['refund']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command: refund/);
    const fractional = await cli(['capture', '/psp/creditcard/payments/abc', '--amount', '10.5', '--vat-amount', '0']);
    assert.equal(fractional.code, 2);
    assert.match(fractional.stderr, /--amount must be a whole number of minor units/);
    const noPayment = await cli(['status']);
    assert.equal(noPayment.code, 2);
    assert.match(noPayment.stderr, /the payment is required/);
    const asyncWithoutReference = await cli(['cancel', '/psp/creditcard/payments/abc', '--async']);
    assert.equal(asyncWithoutReference.code, 2);
    assert.match(asyncWithoutReference.stderr, /--async needs --reference/);
  });
});

describe('command line: operator commands', () => {
  const fx = usePaymentFixture(temporal);
  const env = () => ({
    TEMPORAL_ADDRESS: fx.env.address,
    TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: fx.worker.taskQueue,
  });

  it('captures, refuses an over-capture with its rule, shows the status and lists the payment', async () => {
    const orderId = `cli-${randomUUID()}`;
    const { paymentId, handle } = await startPayment(fx, { amount: 50_000, orderId });
    const captured = await cli(
      ['capture', paymentId, '--amount', '20000', '--vat-amount', '4000', '--reference', 'S1', '--json'],
      env(),
    );
    assert.equal(captured.code, 0, captured.stderr);
    const result = JSON.parse(captured.stdout) as { state: string; amount: number; payeeReference: string };
    assert.deepEqual([result.state, result.amount], ['Completed', 20_000]);

    const over = await cli(['capture', handle.workflowId, '--amount', '40000', '--vat-amount', '0'], env());
    assert.equal(over.code, 1);
    assert.match(over.stderr, /request rejected \(exceeds-remaining-capture\)/);

    const requested = await cli(['cancel', paymentId, '--async', '--reference', 'closed'], env());
    assert.equal(requested.code, 0, requested.stderr);
    assert.match(requested.stdout, /cancel requested \(reference closed\)/);

    const status = await eventually(
      async () => {
        const run = await cli(['status', paymentId], env());
        return /cancelled 300\.00 SEK/.test(run.stdout) ? run : undefined;
      },
      { attempts: 50, intervalMs: 200, what: 'status to show the cancellation' },
    );
    assert.match(status.stdout, /captured 200\.00 SEK/);
    assert.match(status.stdout, /status {4}Captured/);

    const listed = await eventually(
      async () => {
        const run = await cli(['list', '--order', orderId, '--state', 'Captured', '--json'], env());
        const entries = JSON.parse(run.stdout) as { paymentId: string }[];
        return entries.length === 1 ? entries : undefined;
      },
      { attempts: 50, intervalMs: 200, what: 'visibility to list the payment' },
    );
    assert.equal(listed[0]!.paymentId, paymentId);
    const attention = await cli(['list', '--needs-attention', '--order', orderId, '--json'], env());
    assert.deepEqual(JSON.parse(attention.stdout), []);
    assert.equal((await fx.admin.payment(paymentId)).transactions.filter((t) => t.type === 'Capture').length, 1);
  });

  it('says clearly when the payment is unknown or Temporal cannot be reached', async () => {
    const unknown = await cli(['status', `/psp/creditcard/payments/${randomUUID()}`], env());
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^status: no payment workflow for \/psp\/creditcard\/payments\//);
    const down = await cli(['list'], { TEMPORAL_ADDRESS: '127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^list: cannot connect to Temporal at 127\.0\.0\.1:9/);
    assert.doesNotMatch(down.stderr, /\n\s+at /, 'no stack trace for an error the operator can act on');
  });

  it('a state nobody can answer (no worker for the payment): one line, exit 1, no stack trace', async () => {
    const paymentId = `/psp/creditcard/payments/${randomUUID()}`;
    const handle = await fx.env.client.workflow.start('swedbankPayPayment', {
      workflowId: paymentWorkflowId(paymentId),
      taskQueue: `nobody-polls-${randomUUID()}`,
      args: [{ paymentId, orderId: 'orphan', currency: 'SEK', authorizedAmount: 100 }],
    });
    try {
      const run = await cli(['status', paymentId], env());
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^status: the state of \/psp\/creditcard\/payments\/[^ ]+ could not be read: /);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    } finally {
      await handle.terminate('test done');
    }
  });
});
