/**
 * The lifecycle every figure is about, the demo's card order in six operations: two shipments
 * (captures of 400.00 and 350.00 SEK), the order closed (the remaining 250.00 cancelled), two returns
 * (reversals of 400.00 and 100.00) and the card token deleted. Through the workflow it is the OMS
 * client API's waiting calls; directly it is the same Swedbank Pay requests from SwedbankPayClient
 * (each capture, cancellation and reversal a GET of the payment for its operation, then the POST;
 * the token deletion a GET of the authorizations for the token, then the PATCH), as an activity's
 * first attempt makes them. The token is read, not remembered, on both paths: the workflow never
 * holds it (contract 1.3), and a direct integration that keeps no card token reads it the same way.
 */
import { randomUUID } from 'node:crypto';
import type { PaymentsClient } from '../../src/client/payments-client.js';
import type { OperationResult, PaymentPolicy, PaymentWorkflowInput } from '../../src/contract/index.js';
import type { EmulatorAdmin } from '../../src/emulator/admin-client.js';
import type { SwedbankPayClient } from '../../src/swedbank/client.js';

export const OPERATIONS = 6;
export const AUTHORIZED = 100_000;

export interface NewPayment {
  paymentId: string;
  token: string;
  input: PaymentWorkflowInput;
}

let orders = 0;

/** An authorized card payment with a token at the emulator, and the workflow input for it. */
export async function newPayment(
  admin: EmulatorAdmin,
  callbackUrl: string | undefined,
  policy?: PaymentPolicy,
): Promise<NewPayment> {
  const token = `bench-${randomUUID()}`;
  const { payment } = await admin.createPayment({
    instrument: 'creditcard',
    amount: AUTHORIZED,
    vatAmount: AUTHORIZED / 5,
    currency: 'SEK',
    paymentToken: token,
    ...(callbackUrl !== undefined && { callbackUrl }),
  });
  return {
    paymentId: payment.id,
    token,
    input: {
      paymentId: payment.id,
      orderId: `bench-${process.pid}-${++orders}`,
      currency: 'SEK',
      authorizedAmount: AUTHORIZED,
      paymentToken: { token, type: 'PaymentToken' },
      ...(policy && { policy }),
    },
  };
}

function completed(what: string, result: OperationResult): void {
  if (result.state !== 'Completed') {
    throw new Error(`${what}: ${result.state} ${result.failureType ?? ''} ${result.failureReason ?? ''}`);
  }
}

/** The lifecycle through the workflow, as an OMS drives it: start, then six waiting requests. */
export async function workflowLifecycle(payments: PaymentsClient, p: NewPayment): Promise<void> {
  const id = p.paymentId;
  await payments.track(p.input);
  completed('capture 1', await payments.capture(id, { amount: 40_000, vatAmount: 8_000, reference: 'S1' }));
  completed('capture 2', await payments.capture(id, { amount: 35_000, vatAmount: 7_000, reference: 'S2' }));
  completed('cancel', await payments.cancel(id, { reference: 'closed' }));
  completed('reverse 1', await payments.reverse(id, { amount: 40_000, vatAmount: 8_000, reference: 'R1' }));
  completed('reverse 2', await payments.reverse(id, { amount: 10_000, vatAmount: 2_000, reference: 'R2' }));
  completed('delete token', await payments.deleteToken(id, { comment: 'order finished' }));
}

/** The same Swedbank Pay requests, made directly one after the other. */
export async function directLifecycle(client: SwedbankPayClient, p: NewPayment): Promise<void> {
  const id = p.paymentId;
  const ref = (n: number) => `D${randomUUID().replace(/-/g, '').slice(0, 24)}${n}`;
  const states = [
    (await client.capture(id, { amount: 40_000, vatAmount: 8_000, description: 'capture', payeeReference: ref(1) }))
      .transaction.state,
    (await client.capture(id, { amount: 35_000, vatAmount: 7_000, description: 'capture', payeeReference: ref(2) }))
      .transaction.state,
    (await client.cancel(id, { description: 'cancellation', payeeReference: ref(3) })).transaction.state,
    (await client.reverse(id, { amount: 40_000, vatAmount: 8_000, description: 'reversal', payeeReference: ref(4) }))
      .transaction.state,
    (await client.reverse(id, { amount: 10_000, vatAmount: 2_000, description: 'reversal', payeeReference: ref(5) }))
      .transaction.state,
  ];
  const paymentToken = await client.findCardToken(id, 'PaymentToken');
  if (paymentToken !== p.token) throw new Error('direct lifecycle: the authorization shows another token');
  const token = await client.deleteToken({ paymentToken, tokenType: 'PaymentToken', comment: 'finished' });
  if (states.some((s) => s !== 'Completed') || !token.isDeleted) throw new Error(`direct lifecycle: ${states.join()}`);
}

/**
 * One payment left open the way most are, for weeks: authorized, captured in full by one shipment,
 * and waiting out its reversal window.
 */
export async function openPayment(payments: PaymentsClient, p: NewPayment): Promise<void> {
  await payments.track(p.input);
  completed('capture', await payments.capture(p.paymentId, { amount: AUTHORIZED, vatAmount: 20_000, reference: 'S1' }));
}
