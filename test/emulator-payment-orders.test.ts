/**
 * The emulator's Payment Order v3.1 API over real HTTP on loopback: a card order's whole lifecycle
 * as the portal documents it (every answer the whole order, its status, remaining amounts and
 * operations), the version header, the rules (payeeReference reuse, over-capture, operations not
 * offered), one-phase Sales, abort and token deletion.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import {
  EmulatorHarness,
  expectOrder,
  expectOrderProblem,
  orderHref,
  orderRels,
  poRequest,
  type OrderBody,
} from './emulator-helpers.js';
import { TEST_TOKEN } from './secrets.js';

let harness: EmulatorHarness;
let admin: EmulatorAdmin;

before(async () => {
  harness = await EmulatorHarness.start({ token: TEST_TOKEN, seed: 31 });
  admin = new EmulatorAdmin(harness.baseUrl);
});

afterEach(async () => {
  await admin.setOutcomes([]);
});

after(async () => {
  await harness.close();
});

function money(amount: number, vatAmount: number, payeeReference = harness.reference()) {
  return { transaction: { description: 'Shipment', amount, vatAmount, payeeReference } };
}

function cancellation(payeeReference = harness.reference()) {
  return { transaction: { description: 'Rest not delivered', payeeReference } };
}

async function post(order: OrderBody, rel: string, body: unknown, status = 200): Promise<OrderBody> {
  return expectOrder(await poRequest(harness, 'POST', orderHref(order, rel), body), status);
}

async function get<T = OrderBody>(path: string): Promise<T> {
  const response = await poRequest(harness, 'GET', path);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as T;
}

interface FinancialTransactions {
  paymentorder: string;
  financialTransactions: {
    id: string;
    financialTransactionsList: { id: string; type: string; number: number; amount: number; payeeReference: string }[];
  };
}

function remaining(order: OrderBody) {
  const { status, remainingCaptureAmount, remainingCancellationAmount, remainingReversalAmount } = order.paymentOrder;
  return { status, remainingCaptureAmount, remainingCancellationAmount, remainingReversalAmount };
}

describe('emulator: payment order v3.1 lifecycle', () => {
  it('a card order: two captures, the rest cancelled, reversals to Reversed, a token deleted', async () => {
    const created = await admin.createPaymentOrder({
      amount: 100_000,
      vatAmount: 20_000,
      tokens: ['payment', 'recurrence', 'unscheduled'],
      orderReference: 'OR4711',
    });
    const id = created.paymentOrder.id;
    assert.match(id, /^\/psp\/paymentorders\/[0-9a-f-]{36}$/);
    const paid = await get(id);
    assert.equal(paid.paymentOrder.operation, 'Purchase');
    assert.equal(paid.paymentOrder.implementation, 'PaymentsOnly');
    assert.deepEqual(remaining(paid), {
      status: 'Paid',
      remainingCaptureAmount: 100_000,
      remainingCancellationAmount: 100_000,
      remainingReversalAmount: undefined,
    });
    assert.deepEqual(orderRels(paid), ['cancel', 'capture']);
    for (const operation of paid.operations) assert.ok(operation.href.startsWith(`${harness.baseUrl}${id}/`));
    for (const link of ['paid', 'financialTransactions', 'postPurchaseFailedAttempts', 'orderItems', 'reversed']) {
      assert.match((paid.paymentOrder[link] as { id: string }).id, new RegExp(`^${id}/[a-z]+$`));
    }

    const first = await post(paid, 'capture', money(40_000, 8_000));
    assert.deepEqual(remaining(first), {
      status: 'Paid',
      remainingCaptureAmount: 60_000,
      remainingCancellationAmount: 60_000,
      remainingReversalAmount: 40_000,
    });
    assert.deepEqual(orderRels(first), ['cancel', 'capture', 'reversal']);
    const second = await post(first, 'capture', money(35_000, 7_000));
    assert.equal(second.paymentOrder.remainingCaptureAmount, 25_000);
    const cancelled = await post(second, 'cancel', cancellation());
    assert.deepEqual(remaining(cancelled), {
      status: 'Paid',
      remainingCaptureAmount: 0,
      remainingCancellationAmount: 0,
      remainingReversalAmount: 75_000,
    });
    assert.deepEqual(orderRels(cancelled), ['reversal']);
    const reversed = await post(cancelled, 'reversal', money(40_000, 8_000));
    assert.deepEqual(remaining(reversed), { ...remaining(cancelled), remainingReversalAmount: 35_000 });

    const transactions = await get<FinancialTransactions>(`${id}/financialtransactions`);
    assert.equal(transactions.paymentorder, id);
    assert.equal(transactions.financialTransactions.id, `${id}/financialtransactions`);
    const list = transactions.financialTransactions.financialTransactionsList;
    assert.deepEqual(
      list.map((t) => [t.type, t.amount]),
      [
        ['Authorization', 100_000],
        ['Capture', 40_000],
        ['Capture', 35_000],
        ['Cancellation', 25_000],
        ['Reversal', 40_000],
      ],
    );
    for (const t of list) {
      assert.ok(Number.isInteger(t.number));
      assert.match(t.id, new RegExp(`^${id}/financialtransactions/[0-9a-f-]{36}$`));
    }
    const one = await get<{ financialTransaction: { number: number } }>(list[1]?.id ?? '');
    assert.equal(one.financialTransaction.number, list[1]?.number);

    const ledger = await admin.paymentOrder(id);
    assert.deepEqual(
      ledger.transactions.map((t) => [t.type, t.state, t.amount, t.payeeReference, t.number]),
      list.map((t) => [t.type, 'Completed', t.amount, t.payeeReference, t.number]),
    );
    assert.deepEqual(
      [ledger.totals.captured, ledger.totals.cancelled, ledger.totals.reversed, ledger.state],
      [75_000, 25_000, 40_000, 'Paid'],
    );

    const last = await post(reversed, 'reversal', money(35_000, 7_000));
    assert.deepEqual(remaining(last), { ...remaining(reversed), status: 'Reversed', remainingReversalAmount: 0 });
    assert.deepEqual(last.operations, []);
    const reversedResource = await get<{ paymentOrder: string; reversed: { number: number; transactionType: string } }>(
      `${id}/reversed`,
    );
    assert.equal(reversedResource.reversed.transactionType, 'Authorization');

    const paidResource = await get<{
      paymentOrder: string;
      paid: { orderReference: string; paymentTokenGenerated: boolean; tokens: { type: string; token: string }[] };
    }>(`${id}/paid`);
    assert.equal(paidResource.paymentOrder, id);
    assert.equal(paidResource.paid.orderReference, 'OR4711');
    assert.equal(paidResource.paid.paymentTokenGenerated, true);
    assert.deepEqual(
      paidResource.paid.tokens.map((t) => t.type),
      ['payment', 'recurrence', 'unscheduled'],
    );
    const paymentToken = paidResource.paid.tokens[0]?.token ?? '';
    const deletion = await poRequest(harness, 'PATCH', `/psp/paymentorders/paymentTokens/${paymentToken}`, {
      state: 'Deleted',
      comment: 'Customer asked',
    });
    const deleted = (await expectOrder(deletion)) as unknown as { paymentToken: string; instrument: string };
    assert.equal(deleted.paymentToken, paymentToken);
    assert.equal(deleted.instrument, 'CreditCard');
    const tokens = (await admin.paymentOrder(id)).tokens;
    assert.deepEqual(
      tokens.map((t) => [t.type, t.isDeleted]),
      [
        ['payment', true],
        ['recurrence', false],
        ['unscheduled', false],
      ],
    );
  });

  it('$expand fills sub-resources in the order; the user agent of the creation is echoed', async () => {
    const response = await fetch(`${harness.baseUrl}/_emulator/paymentorders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'merchant-shop/1.2' },
      body: JSON.stringify({ amount: 1_500 }),
    });
    const created = await expectOrder(response, 201);
    assert.equal(created.paymentOrder.initiatingSystemUserAgent, 'merchant-shop/1.2');
    const expanded = await get(`${created.paymentOrder.id}?$expand=paid,FinancialTransactions`);
    const paid = expanded.paymentOrder.paid as { transactionType: string; amount: number };
    assert.deepEqual([paid.transactionType, paid.amount], ['Authorization', 1_500]);
    const transactions = expanded.paymentOrder.financialTransactions as { financialTransactionsList: unknown[] };
    assert.equal(transactions.financialTransactionsList.length, 1);
    assert.deepEqual(Object.keys(expanded.paymentOrder.failed as object), ['id']);
  });
});

describe('emulator: payment order v3.1 rules', () => {
  it('POST and PATCH need Content-Type version=3.1; parameters may come in any order', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000 });
    const capture = `${order.paymentOrder.id}/captures`;
    for (const contentType of ['application/json', 'application/json;version=3.0', 'text/plain;version=3.1']) {
      const refused = await poRequest(harness, 'POST', capture, money(100, 0), contentType);
      const problem = await expectOrderProblem(refused, 400, 'paymentorders/inputerror');
      assert.equal(problem.problems[0]?.name, 'Content-Type');
    }
    const abort = await poRequest(
      harness,
      'PATCH',
      order.paymentOrder.id,
      { paymentorder: { operation: 'Abort' } },
      'application/json',
    );
    await expectOrderProblem(abort, 400, 'paymentorders/inputerror');
    assert.equal((await admin.paymentOrder(order.paymentOrder.id)).totals.captured, 0, 'nothing committed');
    const spaced = await poRequest(
      harness,
      'POST',
      capture,
      money(100, 0),
      'Application/JSON; charset=utf-8; version="3.1"',
    );
    assert.equal((await expectOrder(spaced)).paymentOrder.remainingCaptureAmount, 9_900);
  });

  it('a payeeReference already used (by any order or payment of the payee) is refused', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000, payeeReference: 'ORDERREF1' });
    const reference = harness.reference();
    await post(order, 'capture', money(1_000, 0, reference));
    const legacy = await harness.createPayment();
    const legacyReference = legacy.payment.payeeReference;
    for (const used of [reference, 'ORDERREF1', legacyReference]) {
      const refused = await poRequest(harness, 'POST', orderHref(order, 'capture'), money(1_000, 0, used));
      const problem = await expectOrderProblem(refused, 400, 'paymentorders/inputerror');
      assert.match(problem.problems[0]?.name ?? '', /payeereference/i);
      assert.equal(problem.problems[0]?.name, 'Transaction.PayeeReference');
      assert.match(problem.problems[0]?.description ?? '', /already\s+(been\s+)?used/i);
    }
    assert.equal((await admin.paymentOrder(order.paymentOrder.id)).totals.captured, 1_000);
  });

  it('over-capture and over-reversal are inputerrors naming Transaction.Amount', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000 });
    const overCapture = await poRequest(harness, 'POST', orderHref(order, 'capture'), money(10_001, 0));
    const problem = await expectOrderProblem(overCapture, 400, 'paymentorders/inputerror');
    assert.equal(problem.problems[0]?.name, 'Transaction.Amount');
    const captured = await post(order, 'capture', money(4_000, 0));
    const overReversal = await poRequest(harness, 'POST', orderHref(captured, 'reversal'), money(4_001, 0));
    assert.equal(
      (await expectOrderProblem(overReversal, 400, 'paymentorders/inputerror')).problems[0]?.name,
      'Transaction.Amount',
    );
  });

  it('bodies are validated strictly, field by field', async () => {
    const order = await admin.createPaymentOrder({ amount: 10_000 });
    const captureAt = orderHref(order, 'capture');
    const item = {
      reference: 'P1',
      name: 'Product',
      type: 'PRODUCT',
      class: 'Group1',
      quantity: 1,
      quantityUnit: 'pcs',
    };
    const cases: [path: string, body: unknown, name: string][] = [
      [captureAt, { transaction: { ...money(100, 0).transaction, amount: -1 } }, 'Transaction.Amount'],
      [captureAt, { transaction: { ...money(100, 0).transaction, amount: 1.5 } }, 'Transaction.Amount'],
      [captureAt, money(100, 101), 'Transaction.VatAmount'],
      [captureAt, { transaction: { ...money(100, 0).transaction, colour: 'red' } }, 'Transaction.Colour'],
      [captureAt, money(100, 0, 'not-valid!'), 'Transaction.PayeeReference'],
      [captureAt, { transaction: { amount: 100, vatAmount: 0, payeeReference: 'X1' } }, 'Transaction.Description'],
      [
        captureAt,
        {
          transaction: {
            ...money(100, 0).transaction,
            orderItems: [{ ...item, unitPrice: 100, vatPercent: 2500, amount: 99.5, vatAmount: 20 }],
          },
        },
        'Transaction.OrderItems[0].Amount',
      ],
      [
        orderHref(order, 'cancel'),
        { transaction: { description: 'x'.repeat(41), payeeReference: 'C1' } },
        'Transaction.Description',
      ],
      [
        orderHref(order, 'cancel'),
        { transaction: { description: 'Rest', payeeReference: 'C1', amount: 5 } },
        'Transaction.Amount',
      ],
      [captureAt, '{"transaction":', 'Body'],
    ];
    for (const [path, body, name] of cases) {
      const problem = await expectOrderProblem(
        await poRequest(harness, 'POST', path, body),
        400,
        'paymentorders/inputerror',
      );
      assert.ok(
        problem.problems.some((p) => p.name === name),
        `${JSON.stringify(body)}: ${JSON.stringify(problem.problems)}`,
      );
    }
    const withItems = {
      transaction: {
        ...money(500, 100).transaction,
        receiptReference: 'R1',
        orderItems: [{ ...item, unitPrice: 500, vatPercent: 2500, amount: 500, vatAmount: 100 }],
      },
    };
    assert.equal((await post(order, 'capture', withItems)).paymentOrder.remainingCaptureAmount, 9_500);
  });

  it('a Sale (Swish) offers only reversal: capture and cancel are forbidden, full reversal ends Reversed', async () => {
    const order = await admin.createPaymentOrder({ amount: 5_000, vatAmount: 1_000, instrument: 'Swish' });
    assert.deepEqual(remaining(order), {
      status: 'Paid',
      remainingCaptureAmount: undefined,
      remainingCancellationAmount: undefined,
      remainingReversalAmount: 5_000,
    });
    assert.deepEqual(orderRels(order), ['reversal']);
    const id = order.paymentOrder.id;
    const capture = await poRequest(harness, 'POST', `${id}/captures`, money(1_000, 0));
    const forbidden = await expectOrderProblem(capture, 403, 'paymentorders/forbidden');
    assert.match(forbidden.detail, /capture.*Paid/);
    await expectOrderProblem(
      await poRequest(harness, 'POST', `${id}/cancellations`, cancellation()),
      403,
      'paymentorders/forbidden',
    );
    const partly = await post(order, 'reversal', money(2_000, 400));
    assert.deepEqual([partly.paymentOrder.status, partly.paymentOrder.remainingReversalAmount], ['Paid', 3_000]);
    const fully = await post(partly, 'reversal', money(3_000, 600));
    assert.deepEqual([fully.paymentOrder.status, fully.paymentOrder.remainingReversalAmount], ['Reversed', 0]);
    assert.deepEqual(fully.operations, []);
    const list = (await get<FinancialTransactions>(`${id}/financialtransactions`)).financialTransactions;
    assert.deepEqual(
      list.financialTransactionsList.map((t) => t.type),
      ['Sale', 'Reversal', 'Reversal'],
    );
    const paid = await get<{ paid: { transactionType: string; instrument: string } }>(`${id}/paid`);
    assert.deepEqual([paid.paid.transactionType, paid.paid.instrument], ['Sale', 'Swish']);
  });

  it('cancel of the whole authorization: Cancelled, nothing offered, the cancelled resource filled', async () => {
    const order = await admin.createPaymentOrder({ amount: 8_000, vatAmount: 1_600, instrument: 'Vipps' });
    const cancelled = await post(order, 'cancel', cancellation());
    assert.deepEqual(remaining(cancelled), {
      status: 'Cancelled',
      remainingCaptureAmount: 0,
      remainingCancellationAmount: 0,
      remainingReversalAmount: undefined,
    });
    assert.deepEqual(cancelled.operations, []);
    const resource = await get<{ paymentOrder: string; cancelled: { cancelReason: string; amount: number } }>(
      `${order.paymentOrder.id}/cancelled`,
    );
    assert.deepEqual([resource.cancelled.cancelReason, resource.cancelled.amount], ['Rest not delivered', 8_000]);
  });

  it('abort: only while Initialized; Aborted keeps only redirect-checkout; refused once paid', async () => {
    const initialized = await admin.createPaymentOrder({ amount: 3_000, paid: false });
    assert.equal(initialized.paymentOrder.status, 'Initialized');
    assert.deepEqual(orderRels(initialized), ['abort', 'redirect-checkout', 'update-order']);
    assert.equal(initialized.paymentOrder.remainingCaptureAmount, undefined);
    const id = initialized.paymentOrder.id;
    await expectOrderProblem(
      await poRequest(harness, 'POST', `${id}/captures`, money(100, 0)),
      403,
      'paymentorders/forbidden',
    );
    const patch = { paymentorder: { operation: 'Abort', abortReason: 'CancelledByConsumer' } };
    const aborted = await expectOrder(await poRequest(harness, 'PATCH', orderHref(initialized, 'abort'), patch));
    assert.equal(aborted.paymentOrder.status, 'Aborted');
    assert.deepEqual(orderRels(aborted), ['redirect-checkout']);
    const reason = await get<{ paymentorder: string; aborted: { abortReason: string } }>(`${id}/aborted`);
    assert.deepEqual(reason, {
      paymentorder: id,
      aborted: { id: `${id}/aborted`, abortReason: 'CancelledByConsumer' },
    });
    const again = await expectOrderProblem(
      await poRequest(harness, 'PATCH', id, patch),
      403,
      'paymentorders/forbidden',
    );
    assert.match(again.detail, /abort.*Aborted/);

    const paid = await admin.createPaymentOrder({ amount: 3_000 });
    await expectOrderProblem(
      await poRequest(harness, 'PATCH', paid.paymentOrder.id, patch),
      403,
      'paymentorders/forbidden',
    );
    const bad = { paymentorder: { operation: 'Abort', abortReason: 'Bored' } };
    await expectOrderProblem(
      await poRequest(harness, 'PATCH', paid.paymentOrder.id, bad),
      400,
      'paymentorders/inputerror',
    );
    assert.equal((await post(paid, 'capture', money(3_000, 0))).paymentOrder.remainingCaptureAmount, 0);
  });

  it('the payer pays an Initialized order later; unknown orders are 404; the bearer token is checked', async () => {
    const order = await admin.createPaymentOrder({ amount: 3_000, paid: false });
    const paid = await admin.payPaymentOrder(order.paymentOrder.id);
    assert.deepEqual([paid.paymentOrder.status, paid.paymentOrder.remainingCaptureAmount], ['Paid', 3_000]);
    await assert.rejects(admin.payPaymentOrder(order.paymentOrder.id), /403/);
    const unknown = await poRequest(harness, 'GET', '/psp/paymentorders/5adc265f-f87f-4313-577e-08d3dca1a26c');
    await expectOrderProblem(unknown, 404, 'paymentorders/notfound');
    const anonymous = await fetch(`${harness.baseUrl}${order.paymentOrder.id}`);
    assert.equal(anonymous.status, 401);
    await anonymous.arrayBuffer();
  });
});
