/**
 * The demo orders `npm start` runs against the emulator, through the OMS client API exactly as an OMS
 * would. The main story is a Payment Order v3.1 card purchase (1000.00 SEK paid; two shipments, the
 * order closed so the rest is cancelled, a return, the card tokens deleted); beside it a one-phase
 * Swish payment order (a sale, then a return) and a legacy card payment. Each step is printed as it
 * happens, with each payment's Web UI link.
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

/** A legacy card payment the payer has authorized. */
async function authorizeCard(options: DemoOptions, amount: number): Promise<PaymentWorkflowInput> {
  const { payment } = await options.admin.createPayment({
    instrument: 'creditcard',
    amount,
    vatAmount: amount / 5,
    currency: 'SEK',
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  });
  return { paymentId: payment.id, orderId: `demo-legacy-card-${Date.now().toString(36)}` };
}

/** A payment order the payer has paid with `method` (Swish pays in one phase: a sale). */
async function payOrder(
  options: DemoOptions,
  method: 'CreditCard' | 'Swish',
  amount: number,
): Promise<PaymentWorkflowInput> {
  const { paymentOrder } = await options.admin.createPaymentOrder({
    amount,
    vatAmount: amount / 5,
    currency: 'SEK',
    instrument: method,
    ...(method === 'CreditCard' && { tokens: ['payment' as const, 'recurrence' as const] }),
    ...(options.callbackUrl !== undefined && { callbackUrl: options.callbackUrl }),
  });
  return {
    paymentId: paymentOrder.id,
    orderId: `demo-${method === 'Swish' ? 'swish' : 'card'}-${Date.now().toString(36)}`,
  };
}

function webUiLink(options: DemoOptions, paymentId: string): string {
  return `${options.webUiUrl}/namespaces/${options.namespace}/workflows/${encodeURIComponent(paymentWorkflowId(paymentId))}`;
}

/** The main story: a payment order paid by card, shipped twice, closed, one return, tokens deleted. */
async function paymentOrderCardPurchase(options: DemoOptions): Promise<void> {
  const { payments } = options;
  const input = await payOrder(options, 'CreditCard', 100_000);
  const id = input.paymentId;
  const log = (line: string) => options.log(`[${input.orderId}] ${line}`);
  await payments.track(input);
  log(`payment order paid by card: 1000.00 SEK (${id})`);
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
  log(
    `delete the card tokens -> ${describeResult(await payments.deleteToken(id, { comment: 'demo order finished' }))}`,
  );
  log(ledgerLine(await payments.state(id)));
}

/** A one-phase payment order: Swish sells at once; nothing to capture, a return is a reversal. */
async function swishSale(options: DemoOptions): Promise<void> {
  const { payments } = options;
  const input = await payOrder(options, 'Swish', 30_000);
  const id = input.paymentId;
  const log = (line: string) => options.log(`[${input.orderId}] ${line}`);
  await payments.track(input);
  await until(payments, id, (s) => s.ledger.sale === true);
  log(`payment order paid by Swish: a sale of 300.00 SEK, captured as paid (${id})`);
  log(`Web UI: ${webUiLink(options, id)}`);
  const refused = await payments
    .capture(id, { amount: 10_000, vatAmount: 0, reference: `${input.orderId}-S1` })
    .then(describeResult, (err: unknown) => (err instanceof Error ? err.message : String(err)));
  log(`a capture -> refused: ${refused}`);
  log(
    `return -> ${describeResult(await payments.reverse(id, { amount: 10_000, vatAmount: 2_000, reference: `${input.orderId}-R1` }))}`,
  );
  log(ledgerLine(await payments.state(id)));
}

/** A legacy card payment (/psp/creditcard): one shipment, then the rest cancelled. */
async function legacyCardOrder(options: DemoOptions): Promise<void> {
  const { payments } = options;
  const input = await authorizeCard(options, 50_000);
  const id = input.paymentId;
  const log = (line: string) => options.log(`[${input.orderId}] ${line}`);
  await payments.track(input);
  log(`legacy card payment authorized: 500.00 SEK (${id})`);
  log(`Web UI: ${webUiLink(options, id)}`);
  const shipment = await payments.capture(id, {
    amount: 30_000,
    vatAmount: 6_000,
    reference: `${input.orderId}-S1`,
    finalFulfilment: true,
  });
  log(`last shipment -> ${describeResult(shipment)}; the rest is cancelled`);
  log(ledgerLine(await until(payments, id, (s) => s.ledger.cancelled === 20_000)));
}

export async function runDemoOrders(options: DemoOptions): Promise<void> {
  const started = Date.now();
  await Promise.all([paymentOrderCardPurchase(options), swishSale(options), legacyCardOrder(options)]);
  options.log(`demo orders done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
