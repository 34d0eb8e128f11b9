// Encrypted payments in the Temporal Web UI, in real Chromium: with the codec server as the UI's codec
// endpoint, an operator sees the workflow's input decoded; without it (the codec server gone), the
// UI shows only ciphertext. Screenshots of both in artifacts/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser } from 'playwright-core';
import { PaymentsClient } from '../src/client/payments-client.js';
import { EncryptionCodec } from '../src/codec/encryption.js';
import { startCodecServer, type RunningCodecServer } from '../src/codec/server.js';
import { startDevServer } from '../src/temporal/servers.js';
import { startWorker, uniqueTaskQueue, type RunningWorker } from './harness.js';
import { FAST_POLICY, startPaymentFixture, type PaymentFixture } from './payment-fixture.js';
import { TEST_TOKEN } from './secrets.js';
import { freePort } from '../scripts/production-shape/processes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const UI_TIMEOUT_MS = 20_000;

describe('Temporal Web UI with encrypted payloads', () => {
  const codec = new EncryptionCodec([{ id: 'ui-test', key: randomBytes(32) }]);
  let env: TestWorkflowEnvironment | undefined;
  let fx: PaymentFixture | undefined;
  let worker: RunningWorker | undefined;
  let codecServer: RunningCodecServer | undefined;
  let browser: Browser | undefined;
  let uiUrl = '';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
    const [uiPort, codecPort] = [await freePort(), await freePort()];
    uiUrl = `http://127.0.0.1:${uiPort}`;
    // No token: a codec server for a local Web UI answers only the UI's origin, on loopback.
    codecServer = await startCodecServer({ codec, port: codecPort, allowedOrigins: [uiUrl] });
    env = await startDevServer({ uiPort, uiCodecEndpoint: codecServer.url });
    fx = await startPaymentFixture(env);
    worker = await startWorker(env, {
      taskQueue: uniqueTaskQueue('ui-encrypted'),
      swedbankPay: { baseUrl: fx.emulator.baseUrl, token: TEST_TOKEN, timeoutMs: 5_000 },
      overrides: { dataConverter: { payloadCodecs: [codec] } },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    const errors: unknown[] = [];
    for (const stop of [
      () => browser?.close(),
      () => worker?.stop(),
      () => fx?.stop(),
      () => env?.teardown(),
      () => codecServer?.close(),
    ]) {
      await Promise.resolve(stop()).catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) throw errors[0];
  });

  it('shows the input decoded through the codec server, and as ciphertext without it', async () => {
    assert.ok(env && fx && worker && codecServer && browser, 'the stack started');
    const client = new Client({ connection: env.connection, dataConverter: { payloadCodecs: [codec] } });
    const payments = new PaymentsClient({ client, taskQueue: worker.taskQueue });
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 30_000,
      vatAmount: 0,
      currency: 'SEK',
    });
    const orderId = `ui-sealed-${Date.now()}`;
    await payments.track({
      paymentId: created.payment.id,
      orderId,
      currency: 'SEK',
      authorizedAmount: 30_000,
      policy: FAST_POLICY,
    });
    const workflowId = payments.handle(created.payment.id).workflowId;
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    mkdirSync(ARTIFACTS, { recursive: true });
    const workflowPage = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
    try {
      await page.goto(workflowPage);
      await page.getByRole('heading', { name: workflowId }).waitFor();
      // Decoded by the codec server: the input's order id is readable.
      await page.getByText(orderId).first().waitFor();
      await page.screenshot({ path: `${ARTIFACTS}web-ui-codec-decoded.png`, fullPage: true });

      await codecServer.close();
      codecServer = undefined;
      await page.goto(workflowPage);
      await page.getByRole('heading', { name: workflowId }).waitFor();
      // The UI says it cannot decode, and shows the input as the ciphertext the server holds.
      await page.getByText('Codec Server could not connect').filter({ visible: true }).first().waitFor();
      assert.equal(await page.getByText(orderId).count(), 0, 'without the codec server, no order id');
      await page.screenshot({ path: `${ARTIFACTS}web-ui-codec-sealed.png`, fullPage: true });
      console.log(`Web UI screenshots: ${ARTIFACTS}web-ui-codec-decoded.png, web-ui-codec-sealed.png`);
    } catch (err) {
      await page.screenshot({ path: `${ARTIFACTS}web-ui-codec-failure.png`, fullPage: true }).catch(() => undefined);
      throw err;
    } finally {
      await page.close();
      await payments.handle(created.payment.id).terminate('test done');
    }
  });
});
