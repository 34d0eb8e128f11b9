// The Temporal Web UI in a real browser (Debian's Chromium driven by playwright-core): after a demo
// payment, operations staff find it by its order id and see its summary and its current ledger.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PaymentsClient } from '../src/client/payments-client.js';
import { startDevServer } from '../src/temporal/servers.js';
import { startPaymentFixture, type PaymentFixture } from './payment-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../artifacts/', import.meta.url);

/** A free loopback port for the Web UI. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The text of the page frame that shows `text`, waiting a bounded time for the UI to render it. */
async function renderedText(page: Page, text: string): Promise<string> {
  for (let attempt = 0; attempt < 60; attempt++) {
    for (const frame of page.frames()) {
      const body = await frame
        .locator('body')
        .innerText({ timeout: 1_000 })
        .catch(() => '');
      if (body.includes(text)) return body;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`the Web UI did not show "${text}" within 30 s`);
}

describe('Temporal Web UI', () => {
  let env: TestWorkflowEnvironment | undefined;
  let fx: PaymentFixture | undefined;
  let browser: Browser | undefined;
  let uiPort = 0;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's Chromium with "apt-get install -y chromium" (CI does)`,
    );
    uiPort = await freePort();
    env = await startDevServer({ uiPort });
    fx = await startPaymentFixture(env);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    await browser?.close();
    await fx?.stop();
    await env?.teardown();
  });

  it('finds a payment by its order id and shows its summary and current ledger', async () => {
    const payments = new PaymentsClient({ client: fx!.env.client, taskQueue: fx!.worker.taskQueue });
    const { payment } = await fx!.admin.createPayment({
      instrument: 'creditcard',
      amount: 100_000,
      vatAmount: 20_000,
      currency: 'SEK',
      callbackUrl: fx!.callbackUrl,
    });
    const orderId = `web-ui-${Date.now().toString(36)}`;
    const input = { paymentId: payment.id, orderId, currency: 'SEK', authorizedAmount: 100_000 };
    const { workflowId } = await payments.track(input);
    const captured = await payments.capture(payment.id, { amount: 40_000, vatAmount: 8_000, reference: 'S1' });
    assert.equal(captured.state, 'Completed');

    const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(30_000);
    const base = `http://127.0.0.1:${uiPort}/namespaces/default`;
    // The UI's own search, by the order id search attribute (visibility lags a little: reload until found).
    const query = encodeURIComponent(`SwedbankPayOrderId="${orderId}"`);
    const row = page.getByRole('link', { name: workflowId }).first();
    for (let attempt = 0; attempt < 10; attempt++) {
      await page.goto(`${base}/workflows?query=${query}`);
      if (await row.isVisible({ timeout: 3_000 }).catch(() => false)) break;
    }
    await assert.doesNotReject(row.waitFor({ state: 'visible' }), 'the payment is listed for its order id');
    assert.equal((await page.getByText('swedbankPayPayment').count()) > 0, true, 'the workflow type is shown');

    await row.click();
    await page.getByText('User Metadata').first().click();
    // The UI renders the summary and the details as Markdown, each in its own frame.
    const summary = await renderedText(page, `order ${orderId} · 1000.00 SEK · card`);
    assert.match(summary, /1000\.00 SEK/);
    const details = await renderedText(page, 'PartiallyCaptured');
    // The current details: the ledger the workflow keeps up to date, and the capture in it.
    assert.match(details, /captured\s+400\.00 SEK/);
    assert.match(details, /remaining to capture\s+600\.00 SEK/);
    assert.match(details, new RegExp(`capture #\\d+\\s+400\\.00 SEK\\s+Completed\\s+${captured.payeeReference}`));

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = new URL('web-ui-payment.png', ARTIFACTS).pathname;
    await page.screenshot({ path: screenshot, fullPage: true });
    console.error(`Web UI screenshot: ${screenshot}`);
    await page.close();
  });
});
