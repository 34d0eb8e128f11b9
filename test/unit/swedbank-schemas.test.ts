// The seed page's HTTP examples are the contract: every response parses, every request the client
// builds for the same inputs equals the example's body, field for field and in the same order.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { z } from 'zod';
import {
  buildAbortRequest,
  buildCancellationRequest,
  buildCaptureRequest,
  buildDeleteTokenRequest,
  buildReversalRequest,
} from '../../src/swedbank/requests.js';
import {
  CallbackBody,
  CancellationListResponse,
  CancellationResponse,
  CaptureListResponse,
  CaptureResponse,
  InstrumentDataResponse,
  PaymentResponse,
  Problem,
  ReversalListResponse,
  ReversalResponse,
  Transaction,
  TransactionListResponse,
} from '../../src/swedbank/schemas.js';
import { InvalidRequestError } from '../../src/swedbank/errors.js';

interface Example {
  method: string;
  path: string;
  requestBody: string | null;
  response: { status: number; body: string };
}
const { examples } = JSON.parse(
  readFileSync(new URL('../fixtures/card-after-payment-examples.json', import.meta.url), 'utf8'),
) as { examples: Example[] };

function example(method: string, pathEnd: string): Example {
  const found = examples.find((e) => e.method === method && e.path.endsWith(pathEnd));
  assert.ok(found, `seed example ${method} ...${pathEnd}`);
  return found;
}

const PAYMENT = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';

/** The request body as the seed writes it: same fields, same order. */
function assertSameBody(built: unknown, seedBody: string) {
  assert.deepEqual(built, JSON.parse(seedBody));
  assert.equal(JSON.stringify(built), JSON.stringify(JSON.parse(seedBody)), 'same field order');
}

function parses<T extends z.ZodType>(schema: T, body: string): z.infer<T> {
  const result = schema.safeParse(JSON.parse(body));
  assert.ok(result.success, result.success ? '' : JSON.stringify(result.error.issues));
  return result.data;
}

describe('seed examples: responses parse', () => {
  it('covers all seven request/response examples of the card after-payment page', () => {
    assert.equal(examples.length, 7);
  });

  it('capture response (no failedReason; integer number read as a string)', () => {
    const r = parses(CaptureResponse, example('POST', '/captures').response.body);
    assert.equal(r.capture.transaction.failedReason, undefined);
    assert.equal(r.capture.transaction.number, '1234567890');
    assert.equal(r.capture.transaction.state, 'Completed');
    assert.equal(r.capture.transaction.amount, 1500);
  });

  it('captures list', () => {
    const r = parses(CaptureListResponse, example('GET', '/captures').response.body);
    assert.equal(r.captures.captureList.length, 1);
    assert.equal(r.captures.captureList[0]?.transaction.payeeReference, 'AH123456');
  });

  it('cancellation response in state Initialized (outcome not known yet)', () => {
    const r = parses(CancellationResponse, example('POST', '/cancellations').response.body);
    assert.equal(r.cancellation.transaction.state, 'Initialized');
  });

  it('cancellations list', () => {
    const r = parses(CancellationListResponse, example('GET', '/cancellations').response.body);
    assert.equal(r.cancellations.cancellationList[0]?.transaction.type, 'Cancellation');
  });

  it('reversal response and list with their singular /reversal/ paths', () => {
    const one = parses(ReversalResponse, example('POST', '/reversals').response.body);
    assert.match(one.reversal.id, /\/reversal\/12345678-/);
    const list = parses(ReversalListResponse, example('GET', '/reversals').response.body);
    assert.match(list.reversals.id, /\/reversal$/);
    assert.equal(list.reversals.reversalList[0]?.transaction.type, 'Reversal');
  });

  it('instrumentData response, for each value of its isDeleted placeholder', () => {
    const raw = example('PATCH', '/instrumentData/<paymentToken>').response.body;
    assert.match(raw, /"isDeleted": true\|false/, 'the seed writes a placeholder, not JSON');
    for (const value of ['true', 'false']) {
      const r = parses(InstrumentDataResponse, raw.replace('true|false', value));
      assert.equal(r.instrumentData.isDeleted, value === 'true');
    }
  });
});

describe('seed examples: the client builds the same requests', () => {
  it('card capture', () => {
    const built = buildCaptureRequest('creditcard', {
      amount: 1500,
      vatAmount: 250,
      description: 'Test Capture',
      payeeReference: 'ABC123',
    });
    assertSameBody(built, example('POST', '/captures').requestBody!);
  });

  it('card cancellation', () => {
    const built = buildCancellationRequest('creditcard', {
      description: 'Test Cancellation',
      payeeReference: 'ABC123',
    });
    assertSameBody(built, example('POST', '/cancellations').requestBody!);
  });

  it('card reversal', () => {
    const built = buildReversalRequest('creditcard', {
      amount: 1500,
      vatAmount: 0,
      description: 'Test Reversal',
      payeeReference: 'ABC123',
    });
    assertSameBody(built, example('POST', '/reversals').requestBody!);
  });

  it('payment token deletion, for each tokenType of its placeholder', () => {
    const raw = example('PATCH', '/instrumentData/<paymentToken>').requestBody!;
    for (const tokenType of ['PaymentToken', 'RecurrenceToken'] as const) {
      const built = buildDeleteTokenRequest({
        paymentToken: '12345678-1234-1234-1234-123456789000',
        tokenType,
        comment: 'Comment on why the deletion is happening',
      });
      assertSameBody(built, raw.replace('PaymentToken|RecurrenceToken', tokenType));
    }
  });

  it('abort, as the brief documents it', () => {
    assertSameBody(buildAbortRequest(), '{"payment":{"operation":"Abort","abortReason":"CancelledByConsumer"}}');
  });

  it('invoice capture carries activity, itemDescriptions and vatSummary', () => {
    const built = buildCaptureRequest('invoice', {
      amount: 1500,
      vatAmount: 300,
      description: 'Test Capture',
      payeeReference: 'ABC123',
      itemDescriptions: [{ amount: 1500, description: 'Order 1001 shipment 1' }],
      vatSummary: [{ amount: 1500, vatPercent: 2500, vatAmount: 300 }],
    });
    assert.equal(
      JSON.stringify(built),
      '{"transaction":{"activity":"FinancingConsumer","amount":1500,"vatAmount":300,"description":"Test Capture",' +
        '"payeeReference":"ABC123","itemDescriptions":[{"amount":1500,"description":"Order 1001 shipment 1"}],' +
        '"vatSummary":[{"amount":1500,"vatPercent":2500,"vatAmount":300}]}}',
    );
  });

  it('invoice cancellation and reversal carry activity', () => {
    assert.equal(
      JSON.stringify(buildCancellationRequest('invoice', { description: 'Rest', payeeReference: 'C1' })),
      '{"transaction":{"activity":"FinancingConsumer","description":"Rest","payeeReference":"C1"}}',
    );
    assert.equal(
      JSON.stringify(
        buildReversalRequest('invoice', { amount: 100, vatAmount: 20, description: 'Return', payeeReference: 'R1' }),
      ),
      '{"transaction":{"activity":"FinancingConsumer","amount":100,"vatAmount":20,"description":"Return","payeeReference":"R1"}}',
    );
  });
});

describe('validation before sending', () => {
  const capture = { amount: 1500, vatAmount: 250, description: 'Shipment 1', payeeReference: 'ABC123' };
  const rejects = (fn: () => unknown, path: RegExp) =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof InvalidRequestError, String(err));
      assert.equal(err.retryable, false);
      assert.ok(
        err.issues.some((i) => path.test(i.path)),
        JSON.stringify(err.issues),
      );
      return true;
    });

  it('amounts are positive integers in minor units', () => {
    for (const amount of [0, -100, 10.5, Number.NaN, 2 ** 53]) {
      rejects(() => buildCaptureRequest('creditcard', { ...capture, amount }), /transaction\.amount/);
      rejects(() => buildReversalRequest('creditcard', { ...capture, amount }), /transaction\.amount/);
    }
    rejects(() => buildCaptureRequest('creditcard', { ...capture, vatAmount: -1 }), /transaction\.vatAmount/);
    rejects(() => buildCaptureRequest('creditcard', { ...capture, vatAmount: 0.5 }), /transaction\.vatAmount/);
  });

  it('vatAmount is at most amount', () => {
    rejects(() => buildCaptureRequest('creditcard', { ...capture, vatAmount: 1501 }), /transaction\.vatAmount/);
    rejects(() => buildReversalRequest('invoice', { ...capture, vatAmount: 1501 }), /transaction\.vatAmount/);
  });

  it('description is 1 to 40 characters', () => {
    assert.doesNotThrow(() => buildCaptureRequest('creditcard', { ...capture, description: 'x'.repeat(40) }));
    rejects(() => buildCaptureRequest('creditcard', { ...capture, description: 'x'.repeat(41) }), /description/);
    rejects(() => buildCancellationRequest('creditcard', { description: '', payeeReference: 'A1' }), /description/);
  });

  it('payeeReference matches [A-Za-z0-9]{1,30}', () => {
    assert.doesNotThrow(() => buildCaptureRequest('creditcard', { ...capture, payeeReference: 'A'.repeat(30) }));
    for (const payeeReference of ['', 'A'.repeat(31), 'order-1001', 'ÅÄÖ1', 'a b']) {
      rejects(() => buildCaptureRequest('creditcard', { ...capture, payeeReference }), /payeeReference/);
    }
  });

  it('invoice captures need item descriptions and a VAT summary that add up; card captures take none', () => {
    rejects(() => buildCaptureRequest('invoice', capture), /itemDescriptions|vatSummary/);
    rejects(
      () =>
        buildCaptureRequest('invoice', {
          ...capture,
          itemDescriptions: [{ amount: 1000, description: 'a' }],
          vatSummary: [{ amount: 1500, vatPercent: 2500, vatAmount: 250 }],
        }),
      /itemDescriptions/,
    );
    rejects(
      () =>
        buildCaptureRequest('invoice', {
          ...capture,
          itemDescriptions: [{ amount: 1500, description: 'a' }],
          vatSummary: [{ amount: 1500, vatPercent: 2500, vatAmount: 300 }],
        }),
      /vatSummary/,
    );
    rejects(
      () => buildCaptureRequest('creditcard', { ...capture, itemDescriptions: [{ amount: 1500, description: 'a' }] }),
      /transaction/,
    );
  });

  it('a payment token is a plain token, never a path', () => {
    rejects(
      () => buildDeleteTokenRequest({ paymentToken: '../payments/x', tokenType: 'PaymentToken', comment: 'c' }),
      /paymentToken/,
    );
  });
});

describe("the portal's variations on the seed's answers are read as the seed's", () => {
  const captured = JSON.parse(example('POST', '/captures').response.body) as {
    payment: string;
    capture: { id: string; transaction: Record<string, unknown> };
  };

  it('states and types in the letter case of the field tables, as their canonical values', () => {
    for (const [state, canonical] of [
      ['initialized', 'Initialized'],
      ['completed', 'Completed'],
      ['failed', 'Failed'],
      ['awaitingActivity', 'AwaitingActivity'],
    ]) {
      const t = parses(Transaction, JSON.stringify({ ...captured.capture.transaction, state, type: 'capture' }));
      assert.deepEqual([t.state, t.type], [canonical, 'Capture']);
    }
  });

  it('an operation with a relative href, no contentType and a lower-case method', () => {
    const transaction = {
      ...captured.capture.transaction,
      operations: [{ method: 'get', href: `${PAYMENT}/transactions/1`, rel: 'edit-capture' }],
    };
    const t = parses(Transaction, JSON.stringify(transaction));
    assert.deepEqual(t.operations, [{ method: 'GET', href: `${PAYMENT}/transactions/1`, rel: 'edit-capture' }]);
    const hostless = { ...transaction, operations: [{ method: 'GET', href: '//evil.example/x', rel: 'r' }] };
    assert.equal(Transaction.safeParse(hostless).success, false, 'a protocol-relative href is neither');
  });

  it("a list given as a bare array of entries (the invoice page's captures), each named by its transaction", () => {
    const list = parses(
      CaptureListResponse,
      JSON.stringify({ payment: PAYMENT, captures: [{ transaction: captured.capture.transaction }] }),
    );
    assert.equal(list.captures.id, `${PAYMENT}/captures`);
    assert.deepEqual(
      list.captures.captureList.map((c) => [c.id, c.transaction.payeeReference]),
      [[captured.capture.transaction.id, captured.capture.transaction.payeeReference]],
    );
  });
});

describe('schemas reject what the API would never send', () => {
  const base = JSON.parse(example('POST', '/captures').response.body) as { capture: { transaction: object } };
  const transaction = base.capture.transaction;
  const bad = (patch: object) => Transaction.safeParse({ ...transaction, ...patch }).success;

  it('negative, fractional or string amounts, unknown states and types, non-numeric numbers', () => {
    assert.equal(bad({}), true, 'the seed transaction itself parses');
    assert.equal(bad({ amount: -1 }), false);
    assert.equal(bad({ amount: 10.5 }), false);
    assert.equal(bad({ amount: '1500' }), false);
    assert.equal(bad({ state: 'Done' }), false);
    assert.equal(bad({ type: 'Refund' }), false);
    assert.equal(bad({ number: 'abc' }), false);
    assert.equal(bad({ number: '987' }), true, 'number typed string in the tables');
    assert.equal(bad({ id: 'https://evil.example/psp/x' }), false);
  });

  it('the payment resource, callback body and problem of the brief', () => {
    const payment = PaymentResponse.safeParse({
      payment: {
        id: PAYMENT,
        number: 1234567890,
        state: 'Ready',
        currency: 'SEK',
        amount: 100000,
        remainingCaptureAmount: 100000,
        remainingCancellationAmount: 100000,
        remainingReversalAmount: 0,
        captures: { id: `${PAYMENT}/captures` },
        transactions: { id: `${PAYMENT}/transactions` },
      },
      operations: [
        {
          method: 'POST',
          href: `https://api.externalintegration.payex.com${PAYMENT}/captures`,
          rel: 'create-capture',
          contentType: 'application/json',
        },
      ],
    });
    assert.ok(payment.success);
    assert.equal(PaymentResponse.safeParse({ payment: { id: PAYMENT, state: 'Paid' }, operations: [] }).success, false);
    assert.ok(
      CallbackBody.safeParse({
        payment: { id: PAYMENT, number: 222222222 },
        transaction: { id: `${PAYMENT}/transactions/12345678-1234-1234-1234-123456789012`, number: '333333333' },
      }).success,
    );
    assert.equal(CallbackBody.safeParse({ payment: { id: PAYMENT } }).success, false);
    const problem = Problem.parse({
      type: 'https://api.payex.com/psp/errordetail/inputerror',
      title: 'Error in input data',
      status: 400,
      instance: 'https://api.payex.com/psp/probleminstance/00-1',
      detail: 'Input validation failed, error description in problems node!',
      problems: [{ name: 'PayeeReference', description: 'The given PayeeReference has already been used' }],
    });
    assert.equal(problem.problems.length, 1);
    assert.equal(Problem.safeParse({ title: 'no type' }).success, false);
  });
});

describe('a payment before and after its authorization, as Swedbank Pay shows it', () => {
  const host = 'https://api.externalintegration.payex.com';
  const ecom = 'https://ecom.externalintegration.payex.com';

  it('unpaid: Ready, the payer-facing operations beside abort, no remaining amounts, links the resource kinds', () => {
    const parsed = PaymentResponse.parse({
      payment: {
        id: PAYMENT,
        number: 1234567890,
        instrument: 'CreditCard',
        created: '2016-09-14T13:21:29.3182115Z',
        updated: '2016-09-14T13:21:57.6627579Z',
        state: 'Ready',
        operation: 'Purchase',
        intent: 'Authorization',
        currency: 'SEK',
        amount: 100000,
        remainingCaptureAmount: 0,
        remainingCancellationAmount: 0,
        remainingReversalAmount: 0,
        description: 'Test Purchase',
        payerReference: 'AB1234',
        userAgent: 'Mozilla/5.0...',
        language: 'sv-SE',
        prices: { id: `${PAYMENT}/prices` },
        urls: { id: `${PAYMENT}/urls` },
        payeeInfo: { id: `${PAYMENT}/payeeinfo` },
        metadata: { id: `${PAYMENT}/metadata` },
        authorizations: { id: `${PAYMENT}/authorizations` },
        transactions: { id: `${PAYMENT}/transactions` },
      },
      operations: [
        { method: 'PATCH', href: `${host}${PAYMENT}`, rel: 'update-payment-abort', contentType: 'application/json' },
        {
          method: 'GET',
          href: `${ecom}/creditcard/payments/authorize/123456123412341234123456789012`,
          rel: 'redirect-authorization',
          contentType: 'text/html',
        },
        {
          method: 'GET',
          href: `${ecom}/creditcard/core/scripts/client/px.creditcard.client.js?token=123456123412341234123456789012`,
          rel: 'view-authorization',
          contentType: 'application/javascript',
        },
      ],
    });
    assert.equal(parsed.payment.state, 'Ready');
    assert.equal(parsed.payment.transactions?.id, `${PAYMENT}/transactions`);
    assert.deepEqual(
      parsed.operations.map((o) => o.rel),
      ['update-payment-abort', 'redirect-authorization', 'view-authorization'],
    );
  });

  it("the transactions list: an authorization's card details are dropped, its amount and state kept", () => {
    const authorization = {
      id: `${PAYMENT}/transactions/12345678-1234-1234-1234-123456789012`,
      created: '2016-09-14T01:01:01.01Z',
      updated: '2016-09-14T01:01:01.03Z',
      type: 'Authorization',
      state: 'Completed',
      number: 1234567890,
      amount: 80000,
      vatAmount: 16000,
      description: 'Test transaction',
      payeeReference: 'AH123456',
      isOperational: false,
      operations: [],
      maskedPan: '123456xxxxxx1234',
      paymentToken: '12345678-1234-1234-1234-123456789012',
    };
    const declined = {
      ...authorization,
      id: `${PAYMENT}/transactions/12345678-1234-1234-1234-123456789013`,
      state: 'Failed',
      number: '1234567891',
      failedReason: 'ExternalResponseError',
      failedActivityName: 'Authorize',
      failedErrorCode: 'REJECTED_BY_ACQUIRER',
      failedErrorDescription: 'General decline, response-code: 05',
    };
    const parsed = TransactionListResponse.parse({
      payment: PAYMENT,
      transactions: { id: `${PAYMENT}/transactions`, transactionList: [declined, authorization] },
    });
    const [first, second] = parsed.transactions.transactionList;
    assert.deepEqual(
      [first?.state, first?.failedReason, first?.number],
      ['Failed', 'ExternalResponseError', '1234567891'],
    );
    assert.deepEqual(
      [second?.type, second?.state, second?.amount, second?.number],
      ['Authorization', 'Completed', 80000, '1234567890'],
    );
    assert.equal('paymentToken' in (second ?? {}), false, 'no card data is kept');
    assert.equal(
      TransactionListResponse.safeParse({ payment: PAYMENT, transactions: { id: `${PAYMENT}/transactions` } }).success,
      true,
      'an empty list may be left out',
    );
  });
});
