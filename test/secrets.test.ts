// Secrets stay out of workflow history: a payment's card token never enters it (the worker reads the
// token from Swedbank Pay when it deletes it), and with payload encryption on, the server holds only
// ciphertext, which the codec server decodes for the temporal CLI; keys rotate.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PaymentsClient } from '../src/client/payments-client.js';
import { startCallbackServer } from '../src/callbacks/server.js';
import { EncryptionCodec, ENCRYPTED_ENCODING } from '../src/codec/encryption.js';
import { startCodecServer } from '../src/codec/server.js';
import { stateQuery, type PaymentWorkflowInput } from '../src/contract/index.js';
import { resolveTemporalBinary } from '../src/temporal/binaries.js';
import { startWorker, temporal, uniqueTaskQueue } from './harness.js';
import { FAST_POLICY, usePaymentFixture } from './payment-fixture.js';
import { cardToken, TEST_TOKEN } from './secrets.js';

const fx = usePaymentFixture(temporal);
const key = (id: string) => ({ id, key: randomBytes(32) });

/** Every payload anywhere in a history (inputs, results, signals, updates, details, search attributes). */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return found;
  const candidate = value as { metadata?: unknown; data?: unknown };
  if (candidate.data instanceof Uint8Array && typeof candidate.metadata === 'object' && candidate.metadata !== null) {
    found.push(candidate as Payload);
  }
  for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

/** The history's payloads as text, decoded with the codec when there is one. */
async function historyTexts(
  handle: WorkflowHandle,
  codec?: PayloadCodec,
): Promise<{ raw: Payload[]; texts: string[] }> {
  const raw = payloadsIn((await handle.fetchHistory()).events);
  const decoded = codec ? await codec.decode(raw) : raw;
  return { raw, texts: decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')) };
}

/** A card payment with a token, as the demo has it: two captures, the rest cancelled, a return, the token deleted. */
async function tokenLifecycle(payments: PaymentsClient, callbackUrl = fx.callbackUrl) {
  const token = cardToken(`tok-${randomUUID().slice(0, 13)}`);
  const created = await fx.admin.createPayment({
    instrument: 'creditcard',
    amount: 100_000,
    vatAmount: 20_000,
    currency: 'SEK',
    callbackUrl,
    paymentToken: token,
  });
  // The OMS hands the token over the pre-1.3 way: the starter keeps only its type.
  const input: PaymentWorkflowInput = {
    paymentId: created.payment.id,
    orderId: `secrets-${randomUUID()}`,
    currency: 'SEK',
    authorizedAmount: 100_000,
    paymentToken: { token, type: 'PaymentToken' },
    policy: FAST_POLICY,
  };
  assert.equal(
    (await payments.capture(input, { amount: 40_000, vatAmount: 8_000, reference: 'S1' })).state,
    'Completed',
  );
  assert.equal(
    (await payments.capture(input.paymentId, { amount: 35_000, vatAmount: 7_000, reference: 'S2' })).state,
    'Completed',
  );
  assert.equal((await payments.cancel(input.paymentId, { reference: 'closed' })).state, 'Completed');
  assert.equal(
    (await payments.reverse(input.paymentId, { amount: 40_000, vatAmount: 8_000, reference: 'R1' })).state,
    'Completed',
  );
  assert.equal((await payments.deleteToken(input.paymentId, { reference: 'forget' })).state, 'Completed');
  return { token, paymentId: input.paymentId, handle: payments.handle(input.paymentId) };
}

describe('secrets out of workflow history', () => {
  it('the card token is in no payload of the history, the state or the Web UI details; Swedbank Pay deleted it', async (t) => {
    const payments = new PaymentsClient({ client: fx.env.client, taskQueue: fx.worker.taskQueue });
    const { token, handle, paymentId } = await tokenLifecycle(payments);
    const { raw, texts } = await historyTexts(handle);
    assert.ok(raw.length > 10, `${raw.length} payloads`);
    assert.equal(texts.filter((text) => text.includes(token)).length, 0, 'no payload holds the token');
    const state = await handle.query(stateQuery);
    assert.deepEqual(state.paymentToken, { type: 'PaymentToken', deleted: true });
    assert.doesNotMatch(JSON.stringify(state), new RegExp(token));
    const metadata = JSON.stringify(await handle.query('__temporal_workflow_metadata'));
    assert.doesNotMatch(metadata, new RegExp(token), 'nor the Web UI details');
    const raw2 = (await (await fetch(`${fx.admin.baseUrl}/_emulator/ledger`)).json()) as {
      tokens: { paymentToken: string; isDeleted: boolean }[];
    };
    assert.deepEqual(raw2.tokens.find((x) => x.paymentToken === token)?.isDeleted, true, 'deleted at Swedbank Pay');
    t.diagnostic(`${raw.length} payloads searched for the token of ${paymentId}: 0 hits`);
  });
});

/** A worker on its own task queue and a client, both sealing payloads with `codec`. */
async function encrypted(codec: PayloadCodec, taskQueue = uniqueTaskQueue('encrypted')) {
  const worker = await startWorker(fx.env, {
    taskQueue,
    swedbankPay: { baseUrl: fx.emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 },
    overrides: { dataConverter: { payloadCodecs: [codec] } },
  });
  const client = new Client({
    connection: fx.env.connection,
    namespace: fx.env.namespace,
    dataConverter: { payloadCodecs: [codec] },
  });
  // Every client seals: the OMS's, and the callback receiver's.
  const receiver = await startCallbackServer({ client, port: 0 });
  return {
    taskQueue,
    client,
    payments: new PaymentsClient({ client, taskQueue }),
    callbackUrl: receiver.url,
    async stop() {
      await receiver.close();
      await worker.stop();
    },
  };
}

const encoding = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString();
const keyIdOf = (p: Payload) => Buffer.from(p.metadata?.['encryption-key-id'] ?? []).toString();

/** Payloads other than search attributes (indexed by the server) and patch markers (written by the SDK's core). */
function payloadsBesidesIndexed(events: unknown[]): Payload[] {
  return events.flatMap((event) => {
    const e = event as Record<string, Record<string, unknown> | undefined>;
    return payloadsIn({
      ...e,
      upsertWorkflowSearchAttributesEventAttributes: undefined,
      markerRecordedEventAttributes: undefined,
      workflowExecutionStartedEventAttributes: {
        ...e.workflowExecutionStartedEventAttributes,
        searchAttributes: undefined,
      },
    });
  });
}

function temporalCli(args: string[]): Promise<string> {
  const cli = resolveTemporalBinary('cli');
  if (cli.kind === 'sdk-download') throw new Error('no temporal CLI binary');
  return new Promise((resolve, reject) => {
    execFile(cli.path, args, { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
    );
  });
}

describe('payload encryption', () => {
  it('seals every payload but the indexed ones; the lifecycle completes; decoded, no payload holds the token', async (t) => {
    const codec = new EncryptionCodec([key('2026-11')]);
    const stack = await encrypted(codec);
    try {
      const { token, handle } = await tokenLifecycle(stack.payments, stack.callbackUrl);
      const events = (await handle.fetchHistory()).events ?? [];
      const all = payloadsIn(events);
      const sealed = all.filter((p) => encoding(p) === ENCRYPTED_ENCODING);
      assert.deepEqual(
        payloadsBesidesIndexed(events)
          .filter((p) => encoding(p) !== ENCRYPTED_ENCODING)
          .map((p) =>
            Buffer.from(p.data ?? [])
              .toString()
              .slice(0, 80),
          ),
        [],
        'every payload but search attributes and patch markers is sealed',
      );
      const texts = (await codec.decode(all)).map((p) => Buffer.from(p.data ?? []).toString('utf8'));
      assert.equal(texts.filter((text) => text.includes(token)).length, 0, 'decoded, still no token');
      assert.ok(
        texts.some((text) => text.includes('"orderId"')),
        'decoded, the input is readable again',
      );
      assert.equal((await handle.query(stateQuery)).ledger.reversed, 40_000, 'the lifecycle ran, sealed');
      await handle.terminate('test done');
      t.diagnostic(
        `${sealed.length} of ${all.length} payloads sealed (${ENCRYPTED_ENCODING}); the rest are search attributes and patch markers`,
      );
    } finally {
      await stack.stop();
    }
  });

  it('rotates keys: payloads sealed with the old key still decode once a new key seals new ones; the CLI decodes through the codec server', async (t) => {
    const old = key('2026-05');
    const fresh = key('2026-11');
    const before = await encrypted(new EncryptionCodec([old]));
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 10_000,
      vatAmount: 0,
      currency: 'SEK',
      callbackUrl: before.callbackUrl,
    });
    const input: PaymentWorkflowInput = {
      paymentId: created.payment.id,
      orderId: `rotate-${randomUUID()}`,
      currency: 'SEK',
      authorizedAmount: 10_000,
      policy: FAST_POLICY,
    };
    try {
      assert.equal(
        (await before.payments.capture(input, { amount: 4_000, vatAmount: 0, reference: 'S1' })).state,
        'Completed',
      );
    } finally {
      await before.stop();
    }
    // The same payment carries on with a worker and clients that seal with the new key and know both.
    const rotated = new EncryptionCodec([fresh, old]);
    const after = await encrypted(rotated, before.taskQueue);
    try {
      const reversal = await after.payments.reverse(input.paymentId, { amount: 1_000, vatAmount: 0, reference: 'R1' });
      assert.equal(reversal.state, 'Completed');
      const handle = after.payments.handle(input.paymentId);
      const sealed = payloadsIn((await handle.fetchHistory()).events).filter((p) => encoding(p) === ENCRYPTED_ENCODING);
      assert.deepEqual([...new Set(sealed.map(keyIdOf))].sort(), ['2026-05', '2026-11'], 'both keys in one history');
      const decoded = await rotated.decode(sealed);
      assert.equal(decoded.filter((p) => encoding(p) === ENCRYPTED_ENCODING).length, 0, 'every payload opens');
      await assert.rejects(
        new EncryptionCodec([fresh]).decode(sealed),
        /sealed with key "2026-05", which is not configured/,
      );

      // The temporal CLI shows them decoded through the codec server, and sealed without it.
      const codecServer = await startCodecServer({ codec: rotated, token: 'operator-secret' });
      try {
        const connection = [
          '--address',
          fx.env.connection.options.address,
          '--namespace',
          fx.env.namespace ?? 'default',
        ];
        const show = ['workflow', 'show', '--workflow-id', handle.workflowId, '--output', 'json', ...connection];
        const plain = await temporalCli([
          ...show,
          '--codec-endpoint',
          codecServer.url,
          '--codec-auth',
          'Bearer operator-secret',
        ]);
        const sealedView = await temporalCli(show);
        const marker = Buffer.from(ENCRYPTED_ENCODING).toString('base64');
        assert.ok(sealedView.includes(marker), 'without the codec server: sealed');
        assert.ok(!plain.includes(marker), 'through the codec server: no sealed payload left');
        assert.ok(plain.includes(Buffer.from('json/plain').toString('base64')), 'decoded to JSON payloads');
        await assert.rejects(
          temporalCli([...show, '--codec-endpoint', codecServer.url, '--codec-auth', 'Bearer wrong']),
          'a wrong token is refused',
        );
        t.diagnostic(
          `${sealed.length} sealed payloads, keys ${[...new Set(sealed.map(keyIdOf))].join(' and ')}: all decode`,
        );
      } finally {
        await codecServer.close();
      }
      await handle.terminate('test done');
    } finally {
      await after.stop();
    }
  });
});
