// The OMS client with a stubbed Temporal client: a request of a shape the workflow would refuse is
// refused before it is sent, with the code the workflow would give (a signal's refusal used to show
// only later, in the state's rejectedSignals); what only the payment's state can judge is still sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaymentRequestRejectedError } from '../../src/client/errors.js';
import type { PaymentsClient } from '../../src/client/payments-client.js';
import { stubbedClient } from './temporal-client-stub.js';

const CARD = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';
const INVOICE = '/psp/invoice/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';
const ORDER = '/psp/paymentorders/09ccd29a-7c4f-4752-9396-12100cbfecce';

type Call = (payments: PaymentsClient) => Promise<unknown>;
const r = (request: unknown) => request as never;

/** Each request with the code the workflow gives it (docs/CONTRACT.md#rejections). */
const REFUSED: [string, Call, string][] = [
  [
    'fractional amount, negative VAT',
    (p) => p.captureRequested(CARD, r({ amount: 1.5, vatAmount: -1, reference: 's' })),
    'invalid-amount',
  ],
  ['VAT above the amount', (p) => p.capture(CARD, { amount: 100, vatAmount: 200 }), 'invalid-vat-amount'],
  ['a null capture signal', (p) => p.captureRequested(CARD, r(null)), 'invalid-request'],
  ['a null capture', (p) => p.capture(CARD, r(null)), 'invalid-request'],
  ['a null reversal', (p) => p.reverse(CARD, r(null)), 'invalid-request'],
  [
    'a signal without its reference',
    (p) => p.captureRequested(CARD, r({ amount: 100, vatAmount: 0 })),
    'invalid-request',
  ],
  ['an abort signal without its reference', (p) => p.abortRequested(CARD, r({})), 'invalid-request'],
  ['an invoice capture without its lines', (p) => p.capture(INVOICE, { amount: 100, vatAmount: 0 }), 'invalid-request'],
  [
    "a payment order's capture with invoice lines",
    (p) => p.capture(ORDER, { amount: 100, vatAmount: 0, itemDescriptions: [{ amount: 100, description: 'x' }] }),
    'invalid-request',
  ],
  [
    'a description over 40 characters',
    (p) => p.reverse(CARD, { amount: 100, vatAmount: 0, description: 'x'.repeat(41) }),
    'invalid-request',
  ],
  [
    'a zero reversal signal',
    (p) => p.reversalRequested(CARD, { amount: 0, vatAmount: 0, reference: 'r' }),
    'invalid-amount',
  ],
  ['an unknown field', (p) => p.cancelRequested(CARD, r({ reference: 'c', extra: 1 })), 'invalid-request'],
  ['an empty comment', (p) => p.deleteToken(CARD, { comment: '' }), 'invalid-request'],
  ['a reference that is not a string', (p) => p.cancel(CARD, r({ reference: 7 })), 'invalid-request'],
  ['a request that is not JSON', (p) => p.capture(CARD, r({ amount: 10n, vatAmount: 0 })), 'invalid-request'],
  [
    'a malformed signal carrying the input',
    (p) => p.captureRequested({ paymentId: CARD, orderId: 'o-1' }, r({ amount: -5, vatAmount: 0, reference: 's' })),
    'invalid-amount',
  ],
];

describe('OMS client: requests checked before sending', () => {
  for (const [what, call, code] of REFUSED) {
    it(`refuses ${what} with ${code}, as a rejection, sending nothing`, async () => {
      const { payments, sent } = stubbedClient();
      let pending: Promise<unknown> | undefined;
      assert.doesNotThrow(() => (pending = call(payments)), 'no synchronous throw');
      await assert.rejects(pending!, (err: unknown) => {
        assert.ok(err instanceof PaymentRequestRejectedError, String(err));
        assert.equal(err.code, code, err.message);
        return true;
      });
      assert.deepEqual(sent, []);
    });
  }

  it("sends a well-formed request, leaving what the payment's state allows to the workflow", async () => {
    const { payments, sent } = stubbedClient();
    // More than any payment holds: only the workflow knows what remains.
    await payments.captureRequested(CARD, { amount: 10 ** 12, vatAmount: 0, reference: 's-1' });
    // A field left undefined is absent once sent (JSON), so the workflow sees no unknown field.
    await payments.capture(CARD, r({ amount: 100, vatAmount: 20, note: undefined }));
    // The workflow takes no request body for these as an empty one.
    await payments.cancel(CARD, r(null));
    await payments.abortRequested({ paymentId: CARD, orderId: 'o-1' }, { reference: 'a-1' });
    assert.deepEqual(
      sent.map((s) => s.call),
      ['signal', 'update', 'update', 'signalWithStart'],
    );
    assert.deepEqual(sent[0]!.args, [{ amount: 10 ** 12, vatAmount: 0, reference: 's-1' }]);
    const cancelled = sent[2]!.args![0] as { reference: string };
    assert.deepEqual(Object.keys(cancelled), ['reference'], 'a made-up reference and nothing else');
  });
});
