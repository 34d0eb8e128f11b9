/**
 * The demo order `npm start` runs against the emulator: authorize 1000.00 SEK by card, two shipments
 * (the second final, so the rest is cancelled), a return, the token deleted. Prints each step and
 * the payment's Web UI link.
 */
import type { Client } from '@temporalio/client';
import { paymentStartOptions } from './client/start-options.js';
import { formatAmount } from './domain/amount.js';
import type { EmulatorAdmin } from './emulator/admin-client.js';
import {
  captureUpdate,
  deleteTokenUpdate,
  reverseUpdate,
  stateQuery,
  type OperationResult,
} from './workflows/messages.js';
import { swedbankPayPayment } from './workflows/payment.js';

export interface DemoOptions {
  client: Client;
  admin: EmulatorAdmin;
  callbackUrl?: string;
  taskQueue: string;
  webUiUrl: string;
  namespace?: string;
  log: (line: string) => void;
}

function describe(result: OperationResult): string {
  const amount = result.amount !== undefined ? ` ${formatAmount(result.amount, 'SEK')}` : '';
  return `${result.kind}${amount}: ${result.state}${result.payeeReference ? ` (payeeReference ${result.payeeReference})` : ''}`;
}

export async function runDemoOrder(options: DemoOptions): Promise<void> {
  const { client, admin, log } = options;
  const orderId = `demo-${Date.now().toString(36)}`;
  const token = `demo-token-${Date.now().toString(36)}`;
  const { payment } = await admin.createPayment({
    instrument: 'creditcard',
    amount: 100_000,
    vatAmount: 20_000,
    currency: 'SEK',
    paymentToken: token,
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  });
  const input = {
    paymentId: payment.id,
    orderId,
    currency: 'SEK',
    authorizedAmount: 100_000,
    paymentToken: { token, type: 'PaymentToken' as const },
  };
  const start = paymentStartOptions(input, options.taskQueue);
  const handle = await client.workflow.start(swedbankPayPayment, start);
  const namespace = options.namespace ?? 'default';
  log(`demo order ${orderId}: authorized 1000.00 SEK by card (${payment.id})`);
  log(`  Web UI: ${options.webUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(start.workflowId)}`);
  const step = async (what: string, run: () => Promise<OperationResult>) =>
    log(`  ${what} -> ${describe(await run())}`);
  await step('shipment 1', () =>
    handle.executeUpdate(captureUpdate, { args: [{ amount: 40_000, vatAmount: 8_000, reference: `${orderId}-S1` }] }),
  );
  await step('shipment 2 (final)', () =>
    handle.executeUpdate(captureUpdate, {
      args: [{ amount: 35_000, vatAmount: 7_000, reference: `${orderId}-S2`, finalFulfilment: true }],
    }),
  );
  for (let i = 0; i < 50 && (await handle.query(stateQuery)).ledger.cancelled === 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const afterClose = await handle.query(stateQuery);
  log(`  order closed -> the rest cancelled: ${formatAmount(afterClose.ledger.cancelled, 'SEK')}`);
  await step('return', () =>
    handle.executeUpdate(reverseUpdate, { args: [{ amount: 40_000, vatAmount: 8_000, reference: `${orderId}-R1` }] }),
  );
  await step('delete the card token', () => handle.executeUpdate(deleteTokenUpdate, { args: [{ comment: 'demo' }] }));
  const s = await handle.query(stateQuery);
  log(
    `  ledger: captured ${formatAmount(s.ledger.captured, 'SEK')}, cancelled ${formatAmount(s.ledger.cancelled, 'SEK')}, ` +
      `reversed ${formatAmount(s.ledger.reversed, 'SEK')}; status ${s.status}`,
  );
}
