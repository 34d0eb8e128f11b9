/**
 * The demo orders `npm start` runs against the emulator, through the OMS client API exactly as an OMS
 * would: a card order (1000.00 SEK authorized; two shipments, the order closed so the rest is
 * cancelled, a return, the card token deleted) and an invoice order beside it. Each step is printed
 * as it happens, with each payment's Web UI link.
 */
import { formatAmount } from './domain/amount.js';
import type { EmulatorAdmin } from './emulator/admin-client.js';
import type { PaymentsClient } from './client/payments-client.js';
import { paymentWorkflowId } from './contract/index.js';
import type { PaymentWorkflowState } from './contract/index.js';
import { describeResult } from './domain/view.js';
import type { PaymentWorkflowInput } from './contract/index.js';

export interface DemoOptions {
  payments: PaymentsClient;
  admin: EmulatorAdmin;
  /** Where the emulator sends callbacks (the callback receiver); none = the workflows poll. */
  callbackUrl?: string;
  webUiUrl: string;
  namespace: string;
  log: (line: string) => void;
}

/** Polls the payment's state (bounded) until `done` holds: for steps that run on their own. */
async function until(
  payments: PaymentsClient,
  paymentId: string,
  done: (s: PaymentWorkflowState) => boolean,
): Promise<PaymentWorkflowState> {
  for (let i = 0; i < 300; i++) {
    const state = await payments.state(paymentId);
    if (done(state)) return state;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`demo payment ${paymentId} did not reach the expected state in 30 s`);
}

function ledgerLine(s: PaymentWorkflowState): string {
  const c = s.ledger.currency;
  return (
    `ledger: captured ${formatAmount(s.ledger.captured, c)}, cancelled ${formatAmount(s.ledger.cancelled, c)}, ` +
    `reversed ${formatAmount(s.ledger.reversed, c)}; status ${s.status}`
  );
}

async function authorize(
  options: DemoOptions,
  instrument: 'creditcard' | 'invoice',
  amount: number,
  token?: string,
): Promise<PaymentWorkflowInput> {
  const { payment } = await options.admin.createPayment({
    instrument,
    amount,
    vatAmount: amount / 5,
    currency: 'SEK',
    ...(token !== undefined && { paymentToken: token }),
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  });
  return {
    paymentId: payment.id,
    orderId: `demo-${instrument === 'creditcard' ? 'card' : 'invoice'}-${Date.now().toString(36)}`,
    currency: 'SEK',
    authorizedAmount: amount,
    ...(token !== undefined && { paymentToken: { token, type: 'PaymentToken' as const } }),
  };
}

function webUiLink(options: DemoOptions, paymentId: string): string {
  return `${options.webUiUrl}/namespaces/${options.namespace}/workflows/${encodeURIComponent(paymentWorkflowId(paymentId))}`;
}

async function cardOrder(options: DemoOptions): Promise<void> {
  const { payments } = options;
  const input = await authorize(options, 'creditcard', 100_000, `demo-token-${Date.now().toString(36)}`);
  const id = input.paymentId;
  const log = (line: string) => options.log(`[${input.orderId}] ${line}`);
  await payments.track(input);
  log(`card payment authorized: 1000.00 SEK (${id})`);
  log(`Web UI: ${webUiLink(options, id)}`);
  log(
    `shipment 1 -> ${describeResult(await payments.capture(id, { amount: 40_000, vatAmount: 8_000, reference: `${input.orderId}-S1` }))}`,
  );
  // The OMS's fulfilment event, fire and forget: its reference makes a redelivery harmless.
  await payments.captureRequested(id, { amount: 35_000, vatAmount: 7_000, reference: `${input.orderId}-S2` });
  await until(payments, id, (s) => s.ledger.captured === 75_000);
  log('shipment 2 (event) -> capture 350.00 SEK: Completed');
  log(`order closed -> ${describeResult(await payments.cancel(id, { reference: `${input.orderId}-closed` }))}`);
  log(
    `return -> ${describeResult(await payments.reverse(id, { amount: 40_000, vatAmount: 8_000, reference: `${input.orderId}-R1` }))}`,
  );
  log(`delete the card token -> ${describeResult(await payments.deleteToken(id, { comment: 'demo order finished' }))}`);
  log(ledgerLine(await payments.state(id)));
}

async function invoiceOrder(options: DemoOptions): Promise<void> {
  const { payments } = options;
  const input = await authorize(options, 'invoice', 50_000);
  const id = input.paymentId;
  const log = (line: string) => options.log(`[${input.orderId}] ${line}`);
  await payments.track(input);
  log(`invoice payment authorized: 500.00 SEK (${id})`);
  log(`Web UI: ${webUiLink(options, id)}`);
  const shipment = await payments.capture(id, {
    amount: 50_000,
    vatAmount: 10_000,
    reference: `${input.orderId}-S1`,
    itemDescriptions: [{ amount: 50_000, description: 'Two shirts' }],
    vatSummary: [{ amount: 50_000, vatPercent: 2500, vatAmount: 10_000 }],
  });
  log(`whole order shipped -> ${describeResult(shipment)}`);
  log(ledgerLine(await payments.state(id)));
}

export async function runDemoOrders(options: DemoOptions): Promise<void> {
  const started = Date.now();
  await Promise.all([cardOrder(options), invoiceOrder(options)]);
  options.log(`demo orders done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
