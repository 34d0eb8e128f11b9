// The Temporal Web UI as operations staff use it: a payment found by its order id in the workflow
// list, its static summary and its Markdown ledger on the workflow page. Runs its own dev server with
// the UI (the shared test server has none) and drives a headless Chromium.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDevServer } from '../src/temporal/servers.js';
import { captureUpdate } from '../src/contract/index.js';
import { eventually } from './harness.js';
import { startPayment, startPaymentFixture, type PaymentFixture } from './payment-fixture.js';
import { freePort } from '../scripts/production-shape/processes.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}web-ui-payment.png`;
// Bounds every wait on the page; the UI answers in well under a second on loopback.
const UI_TIMEOUT_MS = 20_000;

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

describe('Temporal Web UI', () => {
  let env: TestWorkflowEnvironment | undefined;
  let fx: PaymentFixture | undefined;
  let browser: Browser | undefined;
  let uiUrl = '';

  before(async () => {
    // CI installs Chromium, so a missing one is a broken setup, not a reason to skip.
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}; the Web UI test needs it: apt-get install -y chromium`,
    );
    const uiPort = await freePort();
    env = await startDevServer({ uiPort });
    uiUrl = `http://127.0.0.1:${uiPort}`;
    fx = await startPaymentFixture(env);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  after(async () => {
    // In order, and each one even when an earlier one fails to stop.
    const errors: unknown[] = [];
    for (const stop of [() => browser?.close(), () => fx?.stop(), () => env?.teardown()]) {
      await Promise.resolve(stop()).catch((err: unknown) => errors.push(err));
    }
    if (errors.length > 0) throw errors[0];
  });

  it('finds a payment by its order id and shows its summary and its ledger after a capture', async () => {
    assert.ok(fx && env && browser, 'the stack started');
    const { client } = env;
    const run = `${process.pid}-${Date.now()}`;
    const orderId = `web-ui-${run}`;
    const { handle } = await startPayment(fx, { orderId, amount: 100_000 });
    // Another payment on the same server: the search must leave it out.
    const other = await startPayment(fx, { orderId: `web-ui-other-${run}`, amount: 50_000 });
    const capture = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 40_000, vatAmount: 8_000, reference: 'S1' }],
    });
    assert.equal(capture.state, 'Completed', JSON.stringify(capture));
    const query = `SwedbankPayOrderId="${orderId}"`;
    // The page shows what the server has: wait until visibility lists the payment and its details
    // carry the capture, so a failure below is the UI's.
    await eventually(async () => ((await client.workflow.count(query)).count === 1 ? true : undefined), {
      attempts: 100,
      intervalMs: 100,
      what: `visibility listing ${query}`,
    });
    await eventually(
      async () => {
        const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
        return metadata.currentDetails?.includes('| captured | 400.00 SEK |') ? true : undefined;
      },
      { attempts: 100, intervalMs: 100, what: 'current details showing the capture' },
    );

    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    // Nothing leaves the machine: the UI's calls outside loopback (news feed and the like) are dropped.
    await context.route(
      (url) => !isLoopback(url),
      (route) => route.abort(),
    );
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
    try {
      await searchAndOpen(page, uiUrl, query, handle.workflowId, other.handle.workflowId);

      // The static summary and the current details are Markdown, rendered in the UI's own frames.
      await page.getByRole('tab', { name: 'User Metadata' }).click();
      const summary = page.locator('iframe#user-metadata-summary').contentFrame();
      await summary.getByText(`order ${orderId} · 1000.00 SEK · card`, { exact: true }).waitFor();
      const details = page.locator('iframe#user-metadata-current-details').contentFrame();
      await details.getByRole('row', { name: 'captured 400.00 SEK', exact: true }).waitFor();
      await details.getByRole('row', { name: 'remaining to capture 600.00 SEK', exact: true }).waitFor();
      const transaction = details.getByRole('row').filter({ hasText: capture.payeeReference ?? 'no payeeReference' });
      await transaction.waitFor();
      const cells = await transaction.getByRole('cell').allInnerTexts();
      assert.ok(cells.includes('400.00 SEK') && cells.includes('Completed'), `capture row: ${cells.join(' | ')}`);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`Web UI screenshot: ${SCREENSHOT}`);
    } catch (err) {
      // What the page showed when it failed, for the CI log's reader.
      mkdirSync(ARTIFACTS, { recursive: true });
      const failure = `${ARTIFACTS}web-ui-failure.png`;
      await page.screenshot({ path: failure, fullPage: true }).then(
        () => console.log(`Web UI screenshot at the failure: ${failure}`),
        () => undefined,
      );
      throw err;
    } finally {
      await context.close();
    }
  });
});

/** Types the query into the workflow list's search box and opens the one workflow it finds. */
async function searchAndOpen(page: Page, uiUrl: string, query: string, workflowId: string, otherId: string) {
  await page.goto(`${uiUrl}/namespaces/default/workflows`);
  const table = page.getByRole('table', { name: 'Workflows' });
  const row = (id: string) => table.getByRole('row').filter({ has: page.getByRole('link', { name: id, exact: true }) });
  // Unfiltered, both payments are listed.
  await row(otherId).waitFor();
  await row(workflowId).waitFor();

  await page.getByTestId('toggle-manual-query').click();
  const search = page.getByTestId('workflow-manual-search-input');
  await search.fill(query);
  await search.press('Enter');
  await page.waitForURL((url) => url.searchParams.get('query') === query);
  await row(otherId).waitFor({ state: 'detached' });
  await row(workflowId).getByText('Running', { exact: true }).waitFor();
  assert.equal(await table.getByRole('row').filter({ hasText: 'swedbankPayPayment' }).count(), 1);

  await row(workflowId).getByRole('link', { name: workflowId, exact: true }).click();
  await page.waitForURL((url) => url.pathname.includes(`/workflows/${encodeURIComponent(workflowId)}/`));
  await page.getByRole('heading', { name: workflowId }).waitFor();
}
