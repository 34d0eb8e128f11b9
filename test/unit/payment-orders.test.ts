// Payment Order v3.1 without a server: the sale in the ledger, settlement option B payeeReferences,
// order lines, callback bodies, the response schemas' tolerance of the portal's own variations, and
// the client's reading of what a payment order shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationOutcome } from '../../src/domain/authorization.js';
import { callbackHint, callbackPaymentId, salvagedCallbackBody } from '../../src/domain/callback.js';
import {
  checkInvariants,
  createSaleLedger,
  decideAbort,
  decideAdmission,
  decideCancellation,
  decideCapture,
  decideReversal,
} from '../../src/domain/ledger.js';
import { checkOrderItems, ORDER_ITEMS_JSON_LIMIT, orderItemsBoundsProblem } from '../../src/domain/order-items.js';
import { checkOperationRequest } from '../../src/domain/requests.js';
import type { OrderItem } from '../../src/contract/index.js';
import { maxSequence, payeeReferenceFor, payeeReferenceSchemeProblem } from '../../src/domain/payee-reference.js';
import { policyProblems } from '../../src/domain/policy.js';
import { checkCaptureRequest, checkReversalRequest } from '../../src/domain/requests.js';
import { parsePaymentId, paymentIdOfWorkflowId, paymentWorkflowId } from '../../src/contract/index.js';
import { PaymentOrderClient, postPurchasePending } from '../../src/swedbank/payment-orders/client.js';
import {
  FinancialTransactionsResponse,
  PaidResponse,
  PaymentOrderResponse,
  PostPurchaseFailedAttemptsResponse,
} from '../../src/swedbank/payment-orders/schemas.js';
import type { Transport } from '../../src/swedbank/transport.js';

const ORDER = '/psp/paymentorders/09ccd29a-7c4f-4752-9396-12100cbfecce';

describe('payment order ids', () => {
  it('map to one workflow id and back, beside the legacy ids', () => {
    assert.deepEqual(parsePaymentId(ORDER), { instrument: 'paymentorder', id: '09ccd29a-7c4f-4752-9396-12100cbfecce' });
    assert.equal(paymentWorkflowId(ORDER), 'swedbank-pay-paymentorder-09ccd29a-7c4f-4752-9396-12100cbfecce');
    assert.equal(paymentIdOfWorkflowId(paymentWorkflowId(ORDER)), ORDER);
    assert.equal(parsePaymentId('/psp/paymentorders/../x'), undefined);
    assert.equal(parsePaymentId('/psp/paymentorders/abc/captures'), undefined);
  });
});

describe('a one-phase sale in the ledger', () => {
  const sale = createSaleLedger('SEK', 30_000);

  it('counts the sale as captured: nothing to capture, cancel or abort; reversals up to the sale', () => {
    assert.deepEqual(checkInvariants(sale), []);
    for (const decision of [decideCapture(sale, 1_000, 0), decideCancellation(sale)]) {
      assert.equal(decision.ok ? undefined : decision.rejection.code, 'one-phase-payment');
    }
    assert.equal(decideAbort(sale).ok, false);
    assert.equal(decideReversal(sale, 30_000, 0).ok, true);
    const over = decideReversal(sale, 30_001, 0);
    assert.equal(over.ok ? undefined : over.rejection.code, 'exceeds-remaining-reversal');
    const queued = decideAdmission(sale, [], { kind: 'cancellation' });
    assert.equal(queued.ok ? undefined : queued.rejection.code, 'one-phase-payment');
  });

  it('is what the authorization phase concludes from a paid Sale', () => {
    const outcome = authorizationOutcome({
      paymentState: 'Ready',
      abortAvailable: false,
      sale: true,
      transactions: [{ type: 'Sale', state: 'Completed', amount: 30_000 }],
    });
    assert.deepEqual(outcome, { kind: 'authorized', amount: 30_000, sale: true });
    // Without the flag (legacy payments), a Sale is not an authorization: their behaviour is unchanged.
    const legacy = authorizationOutcome({
      paymentState: 'Ready',
      abortAvailable: false,
      transactions: [{ type: 'Sale', state: 'Completed', amount: 30_000 }],
    });
    assert.equal(legacy.kind, 'pending');
  });
});

describe('settlement option B payeeReferences', () => {
  const digits = { format: 'digits' as const, prefix: '4711' };

  it('are 12 digits: the prefix padded to 9, the operation number in 3', () => {
    assert.equal(payeeReferenceFor(ORDER, 'capture', 1, digits), '000004711001');
    assert.equal(payeeReferenceFor(ORDER, 'reversal', 999, digits), '000004711999');
    assert.equal(payeeReferenceFor(ORDER, 'capture', 1, { format: 'digits', prefix: '123456789' }), '123456789001');
    assert.throws(() => payeeReferenceFor(ORDER, 'capture', 1_000, digits), RangeError);
    assert.equal(maxSequence(digits), 999);
  });

  it('never collide between different prefixes (no leading zeros, fixed widths)', () => {
    const seen = new Set<string>();
    for (const prefix of ['1', '10', '100', '11', '110', '999999999']) {
      for (const n of [1, 10, 100, 999]) {
        const ref = payeeReferenceFor(ORDER, 'capture', n, { format: 'digits', prefix });
        assert.match(ref, /^\d{12}$/);
        assert.ok(!seen.has(ref), `${ref} twice`);
        seen.add(ref);
      }
    }
  });

  it('refuse a bad scheme with a sentence, and the policy check reports it', () => {
    assert.equal(payeeReferenceSchemeProblem({ format: 'alphanumeric' }), undefined);
    assert.equal(payeeReferenceSchemeProblem(digits), undefined);
    for (const bad of [null, 'digits', { format: 'digits' }, { format: 'digits', prefix: '0123' }, { format: 'x' }]) {
      assert.ok(payeeReferenceSchemeProblem(bad), JSON.stringify(bad));
    }
    assert.deepEqual(policyProblems({ payeeReference: { format: 'digits', prefix: 47 } }, 'paymentorder'), [
      'policy.payeeReference.prefix must be 1 to 9 digits without a leading zero, unique per payment',
    ]);
  });
});

describe('order lines', () => {
  const line = {
    reference: 'P1',
    name: 'Product 1',
    type: 'PRODUCT',
    class: 'ProductGroup1',
    quantity: 4,
    quantityUnit: 'pcs',
    unitPrice: 300,
    discountPrice: 200,
    vatPercent: 2500,
    amount: 1_000,
    vatAmount: 250,
  };
  const discount = {
    ...line,
    reference: 'D1',
    type: 'DISCOUNT',
    amount: -200,
    vatAmount: -50,
    unitPrice: -200,
    quantity: 1,
  };

  it('add up to the capture (discounts negative); anything else is refused with the line and field', () => {
    assert.equal(checkOrderItems([line, discount], 800, 200).ok, true);
    const sums = checkOrderItems([line], 900, 250);
    assert.match(sums.ok ? '' : sums.rejection.message, /must add up/);
    const negative = checkOrderItems([{ ...line, amount: -1 }], -1, 250);
    assert.match(negative.ok ? '' : negative.rejection.message, /^orderItems\.0\.amount/);
    const quantity = checkOrderItems([{ ...line, quantity: 1.00001 }], 1_000, 250);
    assert.match(quantity.ok ? '' : quantity.rejection.message, /quantity/);
    const extra = checkOrderItems([{ ...line, colour: 'red' }], 1_000, 250);
    assert.match(extra.ok ? '' : extra.rejection.message, /unknown field colour/);
  });

  it('add up exactly: each line bounded so that 500 of them sum without rounding, prices of products not negative', () => {
    const capture = (items: unknown[], amount: number, vatAmount: number, bounded?: boolean) =>
      checkOperationRequest('capture', { amount, vatAmount, orderItems: items }, 'paymentorder', false, bounded);
    const huge = 2 ** 53 - 1;
    // Without a bound per line these would add up to 2 in floating point and pass for an amount of 1.
    const lines = [
      { ...line, amount: huge, vatAmount: 0, unitPrice: huge },
      { ...line, amount: 1, vatAmount: 0, unitPrice: 1 },
      { ...discount, amount: -huge, vatAmount: 0, unitPrice: -huge },
    ];
    const unsafe = capture(lines, 1, 0);
    assert.match(unsafe.ok ? '' : unsafe.rejection.message, /^orderItems\.0\.unitPrice must be at most 10000000000000/);
    const negativePrice = capture([{ ...line, unitPrice: -300 }], 1_000, 250);
    assert.match(
      negativePrice.ok ? '' : negativePrice.rejection.message,
      /^orderItems\.0\.unitPrice must not be negative/,
    );
    assert.equal(capture(lines, 1, 0, false).ok, true, 'runs from before the change replay as they ran');
  });

  it('are bounded in size as JSON, so that a request and the state a new run carries stay small', () => {
    const long = { ...line, description: 'd'.repeat(256), itemUrl: `https://shop.example/${'u'.repeat(1000)}` };
    const many = Array.from({ length: 200 }, (_, i) => ({ ...long, reference: `P${i}`, amount: 5, vatAmount: 1 }));
    assert.ok(JSON.stringify(many).length > ORDER_ITEMS_JSON_LIMIT);
    const big = checkOperationRequest(
      'reversal',
      { amount: 1_000, vatAmount: 200, orderItems: many },
      'paymentorder',
      false,
    );
    assert.match(big.ok ? '' : big.rejection.message, /orderItems must be at most 131072 bytes as JSON/);
    const ordinary = Array.from({ length: 500 }, (_, i) => ({ ...line, reference: `P${i}`, amount: 2, vatAmount: 0 }));
    assert.equal(orderItemsBoundsProblem(ordinary as OrderItem[]), undefined, '500 ordinary lines fit');
    assert.equal(checkOrderItems(ordinary, 1_000, 0).ok, true);
  });

  it('belong to payment orders: a legacy capture or reversal with them is refused', () => {
    const capture = { amount: 1_000, vatAmount: 250, orderItems: [line], receiptReference: 'R1' };
    assert.equal(checkCaptureRequest(capture, 'paymentorder', false).ok, true);
    assert.equal(checkCaptureRequest(capture, 'creditcard', false).ok, false);
    assert.equal(checkReversalRequest(capture, 'paymentorder', false).ok, true);
    assert.equal(checkReversalRequest(capture, 'invoice', false).ok, false);
    const receipt = checkCaptureRequest(
      { amount: 1_000, vatAmount: 0, receiptReference: 'no spaces!' },
      'paymentorder',
      false,
    );
    assert.match(receipt.ok ? '' : receipt.rejection.message, /receiptReference/);
  });
});

describe('v3.1 callbacks', () => {
  it('name the payment order; only the fields this library reads are kept', () => {
    const body = {
      orderReference: '549213',
      paymentOrder: { id: ORDER, instrument: 'CreditCard', number: 12345678 },
      extra: 'x'.repeat(100),
    };
    assert.deepEqual(callbackHint(body), {
      paymentOrder: { id: ORDER, number: 12345678, instrument: 'CreditCard' },
      orderReference: '549213',
    });
    // The portal's template renders `instrument` as "paymentorders" and tables type `number` a string.
    assert.equal(callbackPaymentId({ paymentOrder: { id: ORDER, instrument: 'paymentorders', number: '42' } }), ORDER);
    // v3.0 bodies carry payment and transaction beside it: the payment order is what they are about.
    const v30 = { paymentOrder: { id: ORDER, instrument: 'CreditCard' }, payment: { id: '/psp/x', number: 1 } };
    assert.equal(callbackPaymentId(v30), ORDER);
    assert.equal(callbackHint({ paymentOrder: { id: '/psp/creditcard/payments/1' } }), undefined);
    // The attempt number is only logged: one that cannot be read is dropped, the wake-up is kept.
    for (const number of [-1, null, 'A-12', 1.5, { n: 1 }]) {
      assert.deepEqual(callbackHint({ paymentOrder: { id: ORDER, number } }), { paymentOrder: { id: ORDER } });
      assert.equal(callbackHint({ paymentOrder: { id: ORDER, number } }, false), undefined, 'as runs before replay');
    }
  });
});

describe('a v3.1 callback that is not JSON', () => {
  it('is read for the one payment order it names under paymentOrder, and for nothing else', () => {
    // The portal's example: the comma after "instrument" is missing.
    const example = `{ "orderReference": "549213", "paymentOrder": { "id": "${ORDER}", "instrument": "x" "number": 1 } }`;
    assert.deepEqual(salvagedCallbackBody(example), { paymentOrder: { id: ORDER } });
    assert.equal(callbackPaymentId(salvagedCallbackBody(example)), ORDER);
    const other = ORDER.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    for (const text of [
      `{ "paymentOrder": { "id": "${ORDER}" "id2": { "id": "${other}" } }`,
      `{ "payment": { "id": "${ORDER}" }`,
      `{ "paymentOrder": { "id": "${ORDER}/captures" }`,
      `{ "paymentOrder": { "id": "/psp/creditcard/payments/abc" }`,
      // The one payment order named is not the paymentOrder's id.
      `{ "paymentOrder": { "id": "/psp/creditcard/payments/x" } "other": { "id": "${ORDER}" } }`,
      'not json at all',
    ]) {
      assert.equal(salvagedCallbackBody(text), undefined, text);
    }
  });
});

describe('payment order responses', () => {
  const order = {
    id: ORDER,
    status: 'Paid',
    currency: 'SEK',
    amount: 1500,
    remainingCaptureAmount: 0,
    remainingReversalAmount: 1500,
    financialTransactions: { id: `${ORDER}/financialtransactions` },
  };
  const reversal = {
    href: `https://api.payex.com${ORDER}/reversals`,
    rel: 'reversal',
    method: 'POST',
    contentType: 'application/json',
  };

  it('read the root key either way the portal writes it', () => {
    for (const key of ['paymentOrder', 'paymentorder']) {
      const parsed = PaymentOrderResponse.parse({ [key]: order, operations: [reversal] });
      assert.equal(parsed.paymentOrder.status, 'Paid');
    }
    assert.equal(PaymentOrderResponse.safeParse({ paymentOrder: { ...order, status: 'Settled' } }).success, false);
  });

  it('read financial transactions, failed attempts (any list casing) and paid tokens', () => {
    const list = FinancialTransactionsResponse.parse({
      paymentorder: ORDER,
      financialTransactions: {
        id: `${ORDER}/financialtransactions`,
        financialTransactionsList: [
          {
            id: `${ORDER}/financialtransactions/1`,
            type: 'Capture',
            number: '123459',
            amount: 1000,
            payeeReference: 'AH1',
          },
        ],
      },
    });
    assert.equal(list.financialTransactions.financialTransactionsList[0]?.number, '123459');
    for (const key of ['postpurchaseFailedAttemptList', 'postPurchaseFailedAttemptList']) {
      const failed = PostPurchaseFailedAttemptsResponse.parse({
        postPurchaseFailedAttempts: { [key]: [{ type: 'Reversal', status: 'Failed', number: 1 }] },
      });
      assert.equal(failed.postPurchaseFailedAttempts.list.length, 1);
    }
    const paid = PaidResponse.parse({
      paid: {
        id: `${ORDER}/paid`,
        instrument: 'CreditCard',
        amount: 1500,
        tokens: [{ type: 'Unscheduled', token: 'abc-1' }],
      },
    });
    assert.equal(paid.paid.tokens[0]?.type, 'Unscheduled');
  });

  it('a Paid order without any post-purchase operation though money is left is processing one', () => {
    assert.equal(postPurchasePending(PaymentOrderResponse.parse({ paymentOrder: order, operations: [] })), true);
    assert.equal(
      postPurchasePending(PaymentOrderResponse.parse({ paymentOrder: order, operations: [reversal] })),
      false,
    );
    const reversed = { ...order, status: 'Reversed', remainingReversalAmount: 0 };
    assert.equal(postPurchasePending(PaymentOrderResponse.parse({ paymentOrder: reversed, operations: [] })), false);
  });
});

describe('the payment order client', () => {
  /** A transport that answers from a table and records what was asked. */
  function fake(answers: Record<string, { status?: number; body: unknown }>) {
    const asked: { operation: string; method: string; target: string; body?: unknown }[] = [];
    const transport: Transport = {
      async send(request) {
        asked.push({
          operation: request.operation,
          method: request.method,
          target: request.target,
          body: request.body,
        });
        const answer = answers[`${request.method} ${request.target}`];
        if (!answer) throw new Error(`unexpected ${request.method} ${request.target}`);
        return { status: answer.status ?? 200, data: request.schema.parse(answer.body) };
      },
    };
    return { client: new PaymentOrderClient(transport), asked };
  }
  const paidOrder = { id: ORDER, status: 'Paid', currency: 'SEK', amount: 1500, remainingCaptureAmount: 1500 };
  const capture = {
    href: `https://api.payex.com${ORDER}/captures`,
    rel: 'capture',
    method: 'POST',
    contentType: 'application/json',
  };

  it('posts through the rel the order offers, in the portal field order; 202 means still processing', async () => {
    const { client, asked } = fake({
      [`GET ${ORDER}`]: { body: { paymentOrder: paidOrder, operations: [capture] } },
      [`POST ${capture.href}`]: { status: 202, body: { paymentOrder: paidOrder, operations: [] } },
    });
    const answer = await client.capture(ORDER, {
      description: 'Shipment 1',
      amount: 1000,
      vatAmount: 250,
      payeeReference: 'C1',
      receiptReference: 'R1',
    });
    assert.equal(answer.accepted, true);
    assert.deepEqual(Object.keys((asked[1]?.body as { transaction: object }).transaction), [
      'description',
      'amount',
      'vatAmount',
      'payeeReference',
      'receiptReference',
    ]);
    assert.equal(asked[1]?.operation, 'create-capture');
  });

  it('sends nothing when the order does not offer the operation, nor a request Swedbank Pay would refuse', async () => {
    const { client, asked } = fake({ [`GET ${ORDER}`]: { body: { paymentOrder: paidOrder, operations: [] } } });
    await assert.rejects(
      client.cancel(ORDER, { description: 'Cancel', payeeReference: 'X1' }),
      /operation cancel is not available/,
    );
    await assert.rejects(
      client.capture(ORDER, { description: 'x'.repeat(41), amount: 1, vatAmount: 0, payeeReference: 'C2' }),
      /description is at most 40 characters/,
    );
    await assert.rejects(
      client.capture(ORDER, { description: 'ok', amount: 1, vatAmount: 0, payeeReference: 'has-dash' }),
      /payeeReference must match/,
    );
    assert.equal(asked.filter((a) => a.method !== 'GET').length, 0);
  });

  it('reads tokens from the paid resource by type, whatever casing the portal uses', async () => {
    const { client } = fake({
      [`GET ${ORDER}`]: { body: { paymentOrder: { ...paidOrder, paid: { id: `${ORDER}/paid` } }, operations: [] } },
      [`GET ${ORDER}/paid`]: {
        body: {
          paid: {
            id: `${ORDER}/paid`,
            amount: 1500,
            tokens: [
              { type: 'payment', token: 't-1' },
              { type: 'Unscheduled', token: 't-2' },
              { type: 'transactionsOnFile', token: 't-3' },
            ],
          },
        },
      },
    });
    assert.deepEqual(await client.tokens(ORDER), [
      { type: 'PaymentToken', token: 't-1' },
      { type: 'UnscheduledToken', token: 't-2' },
    ]);
    assert.deepEqual(await client.tokens(ORDER, 'UnscheduledToken'), [{ type: 'UnscheduledToken', token: 't-2' }]);
  });
});
