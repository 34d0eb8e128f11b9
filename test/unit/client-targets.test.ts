// The OMS client with a stubbed Temporal client: a payment id that is not one, or no payment at all,
// is InvalidPaymentInputError from every method, as a rejection (never a synchronous throw) and
// before anything reaches the server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidPaymentInputError, PaymentStateUnavailableError } from '../../src/client/errors.js';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { PaymentsClient } from '../../src/client/payments-client.js';
import { stubbedClient } from './temporal-client-stub.js';

const CAPTURE = { amount: 1_000, vatAmount: 200, reference: 'shipment-1' };

/** Every method of the client that returns a Promise and names a payment, called with `target`. */
function calls(payments: PaymentsClient, target: unknown): Record<string, () => Promise<unknown>> {
  const t = target as string;
  return {
    capture: () => payments.capture(t, CAPTURE),
    cancel: () => payments.cancel(t),
    reverse: () => payments.reverse(t, CAPTURE),
    abort: () => payments.abort(t),
    deleteToken: () => payments.deleteToken(t),
    captureRequested: () => payments.captureRequested(t, CAPTURE),
    cancelRequested: () => payments.cancelRequested(t, { reference: 'r' }),
    reversalRequested: () => payments.reversalRequested(t, CAPTURE),
    abortRequested: () => payments.abortRequested(t, { reference: 'r' }),
    deleteTokenRequested: () => payments.deleteTokenRequested(t, { reference: 'r' }),
    state: () => payments.state(t),
  };
}

const BAD_TARGETS = ['not-a-payment', '/psp/creditcard/payments/', '/psp/paymentorders/a b', '', null, undefined, 42];

describe('OMS client: which payment', () => {
  it('rejects a payment id that is not one with InvalidPaymentInputError from every method, sending nothing', async () => {
    const { payments, sent } = stubbedClient();
    for (const target of BAD_TARGETS) {
      for (const [name, call] of Object.entries(calls(payments, target))) {
        let pending: Promise<unknown> | undefined;
        assert.doesNotThrow(() => (pending = call()), `${name}(${String(target)}) must not throw synchronously`);
        await assert.rejects(
          pending!,
          (err: unknown) => err instanceof InvalidPaymentInputError && !(err instanceof PaymentStateUnavailableError),
          `${name}(${String(target)})`,
        );
      }
    }
    assert.deepEqual(sent, [], 'nothing reached the server');
  });

  it('names the payment id forms, payment orders included', async () => {
    const { payments } = stubbedClient();
    await assert.rejects(payments.capture('not-a-payment', CAPTURE), (err: unknown) => {
      assert.ok(err instanceof InvalidPaymentInputError);
      assert.match(err.problems.join(), /\/psp\/paymentorders\/\{id\}.*\/psp\/creditcard\/payments\/\{id\}/);
      return true;
    });
  });

  it('handle() throws InvalidPaymentInputError for a payment id that is not one', () => {
    const { payments } = stubbedClient();
    for (const target of BAD_TARGETS) {
      assert.throws(() => payments.handle(target as string), InvalidPaymentInputError, String(target));
    }
  });

  it('track() and the methods taking an input reject an input that is not an object, sending nothing', async () => {
    const { payments, sent } = stubbedClient();
    for (const input of [null, undefined, 'x', 7]) {
      await assert.rejects(payments.track(input as never), InvalidPaymentInputError, `track(${String(input)})`);
    }
    await assert.rejects(
      payments.capture({ paymentId: 'not-a-payment', orderId: 'o' }, CAPTURE),
      InvalidPaymentInputError,
    );
    await assert.rejects(payments.captureRequested({ orderId: 'o' } as never, CAPTURE), InvalidPaymentInputError);
    assert.deepEqual(sent, []);
  });

  it('still sends to a payment id or an input that is one', async () => {
    const { payments, sent } = stubbedClient();
    const paymentId = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';
    await payments.captureRequested(paymentId, CAPTURE);
    await payments.captureRequested({ paymentId, orderId: 'o-1' }, CAPTURE);
    await payments.capture({ paymentId, orderId: 'o-1' }, CAPTURE);
    await payments.state(paymentId);
    assert.deepEqual(
      sent.map((s) => s.call),
      ['signal', 'signalWithStart', 'updateWithStart', 'query'],
    );
    assert.equal(sent[0]!.workflowId, 'swedbank-pay-creditcard-5adc265f-f87f-4313-577e-08d3dca1a26c');
  });
});

describe('OMS client: track with an explicit expiry', () => {
  const DAY = 86_400_000;
  const input = {
    paymentId: '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c',
    orderId: '1001',
    currency: 'SEK',
    authorizedAmount: 1_000,
    policy: { authorizationExpiresAt: new Date(Date.now() + DAY / 2).toISOString() },
  };

  /** A client whose payment workflow exists or not, recording what it starts. */
  function client(exists: boolean) {
    const started: string[] = [];
    const workflow = {
      start: async (_type: string, options: { workflowId: string }) => void started.push(options.workflowId),
      getHandle: (workflowId: string) => ({
        describe: async () => {
          if (!exists) throw new WorkflowNotFoundError('not found', workflowId, undefined);
          return { status: { name: 'RUNNING' } };
        },
      }),
    };
    return { payments: new PaymentsClient({ client: { workflow } as unknown as Client }), started };
  }

  it('refuses to start a payment whose expiry lead time has begun (the remainder would be cancelled at once)', async () => {
    const { payments, started } = client(false);
    await assert.rejects(payments.track(input), (err: unknown) => {
      assert.ok(err instanceof InvalidPaymentInputError);
      assert.match(err.message, /would be cancelled at once/);
      return true;
    });
    assert.deepEqual(started, []);
  });

  it('stays idempotent: a payment tracked already is found, nothing starts', async () => {
    const { payments, started } = client(true);
    assert.deepEqual(await payments.track(input), {
      workflowId: 'swedbank-pay-creditcard-5adc265f-f87f-4313-577e-08d3dca1a26c',
      started: false,
    });
    assert.deepEqual(started, []);
  });
});
