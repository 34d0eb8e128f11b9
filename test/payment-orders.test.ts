// Payment Order v3.1 (/psp/paymentorders) end to end: the workflow on a real dev server, the
// emulator over HTTP. The same ledger and queue as legacy payments; the transactions found in the
// order's financialTransactions by payeeReference; a one-phase sale only reversible.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenUpdate,
  reverseUpdate,
  type PaymentPolicy,
  type PaymentWorkflowState,
} from '../src/contract/index.js';
import { PaymentRequestRejectedError } from '../src/client/errors.js';
import { PaymentsClient } from '../src/client/payments-client.js';
import { paymentStartOptions } from '../src/client/start-options.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import type { LedgerEntry } from '../src/emulator/ledger.js';
import { eventually, temporal } from './harness.js';
import { saveHistory, startPayment, state, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);
afterEach(async () => {
  await fx.admin.clearFaults();
  await fx.admin.setOutcomes([]);
  await fx.admin.setCallbackFaults([]);
});

/**
 * The workflow's ledger and Swedbank Pay's transactions, entry by entry (the sale or authorization
 * aside). A failed attempt's id is Swedbank Pay's own: the order's failed attempts do not show it.
 */
function sameLedger(s: PaymentWorkflowState, psp: LedgerEntry): void {
  const TYPE = { capture: 'Capture', cancellation: 'Cancellation', reversal: 'Reversal' } as const;
  const ours = s.ledger.entries.map((e) => [
    TYPE[e.kind],
    e.amount,
    e.payeeReference,
    e.state,
    e.state === 'Completed' ? e.transactionId : null,
  ]);
  const theirs = psp.transactions
    .filter((t) => t.type !== 'Authorization' && t.type !== 'Sale')
    .map((t) => [t.type, t.amount, t.payeeReference, t.state, t.state === 'Completed' ? t.id : null]);
  assert.deepEqual(ours, theirs, 'the workflow and Swedbank Pay agree entry by entry');
}

/** One product line of 25% VAT; the test gives the figures it is about. */
function orderLine(figures: { quantity: number; unitPrice: number; amount: number; vatAmount: number }) {
  return {
    reference: 'P1',
    name: 'Product 1',
    type: 'PRODUCT' as const,
    class: 'ProductGroup1',
    quantityUnit: 'pcs',
    vatPercent: 2_500,
    ...figures,
  };
}

/** Does any payload of the workflow's history contain this text? */
async function historyContains(workflowId: string, text: string): Promise<boolean> {
  const history = await fx.env.client.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(history).includes(text) || Buffer.from(JSON.stringify(history)).includes(Buffer.from(text));
}

describe('payment order lifecycle', () => {
  it('card: 400.00 + 350.00 captured, 250.00 cancelled, 400.00 reversed, tokens deleted; ledgers agree', async (t) => {
    const { handle, paymentId } = await startPayment(fx, {
      instrument: 'paymentorder',
      amount: 100_000,
      tokens: ['payment', 'recurrence'],
    });
    const first = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 40_000, vatAmount: 8_000, reference: 'S1', receiptReference: 'R1001' }],
    });
    const second = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 35_000, vatAmount: 7_000, reference: 'S2' }],
    });
    const cancel = await handle.executeUpdate(cancelUpdate, { args: [{ reference: 'closed' }] });
    const reversal = await handle.executeUpdate(reverseUpdate, {
      args: [{ amount: 40_000, vatAmount: 8_000, reference: 'RET1' }],
    });
    const tokens = await handle.executeUpdate(deleteTokenUpdate, { args: [{ reference: 'gdpr' }] });
    assert.deepEqual(
      [first, second, cancel, reversal, tokens].map((r) => r.state),
      ['Completed', 'Completed', 'Completed', 'Completed', 'Completed'],
    );
    assert.equal(cancel.amount, 25_000, 'the cancellation released exactly what remained');
    assert.match(first.transactionId ?? '', /^\/psp\/paymentorders\/[^/]+\/financialtransactions\/[^/]+$/);

    const s = await state(handle);
    assert.equal(s.instrument, 'paymentorder');
    assert.equal(s.paymentMethod, 'CreditCard');
    assert.deepEqual(
      [s.ledger.authorized, s.ledger.captured, s.ledger.cancelled, s.ledger.reversed],
      [100_000, 75_000, 25_000, 40_000],
    );
    assert.equal(s.status, 'PartiallyReversed');
    const psp = await fx.admin.paymentOrder(paymentId);
    sameLedger(s, psp);
    assert.equal(psp.state, 'Paid', 'partly reversed: still Paid');
    assert.deepEqual(
      psp.tokens?.map((tk) => [tk.type, tk.isDeleted]),
      [
        ['payment', true],
        ['recurrence', true],
      ],
    );
    for (const token of psp.tokens ?? []) {
      assert.equal(await historyContains(handle.workflowId, token.token), false, 'no token in workflow history');
    }
    t.diagnostic(
      `workflow ${s.ledger.entries.map((e) => `${e.kind} ${e.amount} ${e.state} ${e.payeeReference}`).join(' | ')}`,
    );
    t.diagnostic(
      `emulator ${psp.transactions.map((x) => `${x.type} ${x.amount} ${x.state} ${x.payeeReference}`).join(' | ')}`,
    );
    await saveHistory(handle, 'payment-order-lifecycle');
  });

  it('a signal with order lines: the capture carries them to Swedbank Pay', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder', amount: 10_000 });
    const line = orderLine({ quantity: 2, unitPrice: 2_500, amount: 5_000, vatAmount: 1_000 });
    await handle.signal(captureSignal, { reference: 'S1', amount: 5_000, vatAmount: 1_000, orderItems: [line] });
    const s = await waitForState(handle, (x) => x.ledger.captured === 5_000, { what: 'capture with order lines' });
    assert.equal(s.recent[0]?.orderItems?.[0]?.reference, 'P1');
    const psp = await fx.admin.paymentOrder(paymentId);
    assert.equal(psp.transactions.filter((x) => x.type === 'Capture').length, 1);
  });

  it('order lines that do not add up are refused on arrival, nothing is sent', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder', amount: 10_000 });
    const line = orderLine({ quantity: 1, unitPrice: 4_000, amount: 4_000, vatAmount: 800 });
    await assert.rejects(
      handle.executeUpdate(captureUpdate, { args: [{ amount: 5_000, vatAmount: 1_000, orderItems: [line] }] }),
      (err: Error) => /orderItems amounts and vatAmounts must add up/.test(String((err.cause as Error)?.message)),
    );
    await assert.rejects(
      handle.executeUpdate(captureUpdate, {
        args: [{ amount: 5_000, vatAmount: 1_000, itemDescriptions: [{ amount: 5_000, description: 'x' }] }],
      }),
      (err: Error) => /a payment order takes orderItems/.test(String((err.cause as Error)?.message)),
    );
    assert.equal((await fx.admin.paymentOrder(paymentId)).transactions.filter((x) => x.type === 'Capture').length, 0);
  });
});

describe('payment order: one-phase sale', () => {
  it('Swish: capture and cancel are refused (one-phase-payment), reversals work, a full reversal makes it Reversed', async () => {
    const { handle, paymentId } = await startPayment(fx, {
      instrument: 'paymentorder',
      paymentMethod: 'Swish',
      amount: 30_000,
    });
    // Requests that come before the order is read are judged at their turn (a Rejected result); after, on arrival.
    await waitForState(handle, (x) => x.ledger.sale === true, { what: 'the sale read' });
    await assert.rejects(
      handle.executeUpdate(captureUpdate, { args: [{ amount: 10_000, vatAmount: 0 }] }),
      (err: Error) => (err.cause as { type?: string })?.type === 'one-phase-payment',
    );
    await assert.rejects(
      handle.executeUpdate(cancelUpdate, { args: [{}] }),
      (err: Error) => (err.cause as { type?: string })?.type === 'one-phase-payment',
    );
    const part = await handle.executeUpdate(reverseUpdate, {
      args: [{ amount: 10_000, vatAmount: 0, reference: 'R1' }],
    });
    await assert.rejects(
      handle.executeUpdate(reverseUpdate, { args: [{ amount: 20_001, vatAmount: 0 }] }),
      (err: Error) => (err.cause as { type?: string })?.type === 'exceeds-remaining-reversal',
    );
    const s = await state(handle);
    assert.equal(s.ledger.sale, true);
    assert.equal(s.paymentMethod, 'Swish');
    const rest = await handle.executeUpdate(reverseUpdate, {
      args: [{ amount: 20_000, vatAmount: 0, reference: 'R2' }],
    });
    assert.deepEqual([part.state, rest.state], ['Completed', 'Completed']);
    // Nothing left to reverse: the lifecycle ends.
    const summary = await handle.result();
    assert.deepEqual([summary.captured, summary.reversed, summary.status], [30_000, 30_000, 'Reversed']);
    const psp = await fx.admin.paymentOrder(paymentId);
    assert.equal(psp.state, 'Reversed');
    assert.deepEqual(
      psp.transactions.filter((x) => x.type === 'Reversal').map((x) => [x.amount, x.payeeReference]),
      [
        [10_000, part.payeeReference],
        [20_000, rest.payeeReference],
      ],
    );
    await saveHistory(handle, 'payment-order-sale');
  });
});

describe('payment order: outcomes not known at once', () => {
  it('an asynchronous reversal (202) completes when its callback comes', async () => {
    const { handle, paymentId } = await startPayment(fx, {
      instrument: 'paymentorder',
      amount: 20_000,
      policy: { pollInitialMs: 120_000, pollMaxMs: 120_000 },
    });
    await handle.executeUpdate(captureUpdate, { args: [{ amount: 20_000, vatAmount: 0 }] });
    await fx.admin.setOutcomes([
      { instrument: 'paymentorder', operation: 'reversal', outcome: 'Completed', delayMs: 500, times: 1 },
    ]);
    const before = (await state(handle)).callbacksReceived;
    const result = await handle.executeUpdate(reverseUpdate, { args: [{ amount: 5_000, vatAmount: 0 }] });
    assert.equal(result.state, 'Completed');
    const s = await state(handle);
    assert.ok(s.callbacksReceived > before, 'a callback woke the workflow (polling was minutes away)');
    assert.equal(s.ledger.reversed, 5_000);
    sameLedger(s, await fx.admin.paymentOrder(paymentId));
    await saveHistory(handle, 'payment-order-async-reversal');
  });

  it('with every callback dropped, polling finds the reversal; a failed one is recorded Failed', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder', amount: 20_000 });
    await handle.executeUpdate(captureUpdate, { args: [{ amount: 20_000, vatAmount: 0 }] });
    // The capture's own callback may still be on its way when its update returns: let it land (after
    // the order's), so that only callbacks about the reversals are dropped and counted below.
    await waitForState(handle, (x) => x.callbacksReceived >= 2, { what: "the order's and the capture's callbacks" });
    await fx.admin.setCallbackFaults([{ kind: 'drop', probability: 1 }]);
    await fx.admin.setOutcomes([
      { instrument: 'paymentorder', operation: 'reversal', outcome: 'Completed', delayMs: 400, times: 1 },
      {
        instrument: 'paymentorder',
        operation: 'reversal',
        outcome: 'Failed',
        delayMs: 400,
        failedReason: 'Bank declined the refund',
        times: 1,
      },
    ]);
    const before = (await state(handle)).callbacksReceived;
    const ok = await handle.executeUpdate(reverseUpdate, { args: [{ amount: 5_000, vatAmount: 0, reference: 'R1' }] });
    const failed = await handle.executeUpdate(reverseUpdate, {
      args: [{ amount: 3_000, vatAmount: 0, reference: 'R2' }],
    });
    assert.deepEqual([ok.state, failed.state], ['Completed', 'Failed']);
    assert.match(failed.failureReason ?? '', /declined|failed/i);
    const s = await state(handle);
    assert.equal(s.callbacksReceived, before, 'no callback arrived: polling found both outcomes');
    assert.equal(s.ledger.reversed, 5_000);
    assert.equal(s.needsAttention, true, 'the failed reversal flags the payment');
    sameLedger(s, await fx.admin.paymentOrder(paymentId));
  });
});

describe('payment order: exactly once', () => {
  it('a capture committed whose answer is lost is found in financialTransactions, not sent again', async () => {
    const { handle, paymentId } = await startPayment(fx, { instrument: 'paymentorder', amount: 50_000 });
    await fx.admin.setFaults([
      { api: 'paymentorders', operation: 'capture', fault: { kind: 'commit-then-drop' }, times: 1 },
    ]);
    const result = await handle.executeUpdate(captureUpdate, {
      args: [{ amount: 25_000, vatAmount: 5_000, reference: 'S1' }],
    });
    assert.equal(result.state, 'Completed');
    const captures = (await fx.admin.paymentOrder(paymentId)).transactions.filter((x) => x.type === 'Capture');
    assert.equal(captures.length, 1, 'exactly one capture at Swedbank Pay');
    assert.equal(captures[0]?.payeeReference, result.payeeReference);
    const fired = (await fx.admin.faults()).rules.reduce((n, r) => n + r.fired, 0);
    assert.equal(fired, 1, 'the answer was dropped once');
    await saveHistory(handle, 'payment-order-commit-then-drop');
  });

  for (const instrument of ['creditcard', 'paymentorder'] as const) {
    it(`settlement option B (${instrument}): 12-digit payeeReferences, exactly once through a lost answer`, async () => {
      // One prefix per payment: two payments sharing one would share payeeReferences.
      const prefix = String((instrument === 'paymentorder' ? 500_000 : 400_000) + (process.pid % 100_000));
      const { handle, paymentId } = await startPayment(fx, {
        instrument,
        amount: 50_000,
        policy: { payeeReference: { format: 'digits', prefix } },
      });
      const api = instrument === 'paymentorder' ? 'paymentorders' : 'payments';
      await fx.admin.setFaults([{ api, operation: 'capture', fault: { kind: 'commit-then-drop' }, times: 1 }]);
      const capture = await handle.executeUpdate(captureUpdate, { args: [{ amount: 20_000, vatAmount: 0 }] });
      const reversal = await handle.executeUpdate(reverseUpdate, { args: [{ amount: 5_000, vatAmount: 0 }] });
      assert.deepEqual([capture.state, reversal.state], ['Completed', 'Completed']);
      assert.equal(capture.payeeReference, `${prefix.padStart(9, '0')}001`);
      assert.equal(reversal.payeeReference, `${prefix.padStart(9, '0')}002`);
      const psp =
        instrument === 'paymentorder' ? await fx.admin.paymentOrder(paymentId) : await fx.admin.payment(paymentId);
      const captures = psp.transactions.filter((x) => x.type === 'Capture');
      assert.equal(captures.length, 1, 'exactly one capture');
      for (const tx of psp.transactions.filter((x) => x.type === 'Capture' || x.type === 'Reversal')) {
        assert.match(tx.payeeReference, /^\d{12}$/);
      }
      await handle.terminate('test done');
    });
  }

  it('a digits prefix with a leading zero or too long is refused at start', async () => {
    await assert.rejects(
      startPayment(fx, {
        instrument: 'paymentorder',
        policy: { payeeReference: { format: 'digits', prefix: '0123' } },
      }),
      /prefix must be 1 to 9 digits without a leading zero/,
    );
    await assert.rejects(
      startPayment(fx, {
        instrument: 'paymentorder',
        policy: { payeeReference: { format: 'digits', prefix: '1234567890' } },
      }),
      /prefix must be 1 to 9 digits/,
    );
  });
});

/**
 * A 300.00 payment order the payer has not paid yet, and its workflow started to await the
 * authorization (startPayment's orders are paid, and it waits for their authorization callback).
 */
async function startUnpaidOrder(name: string, order: { vatAmount?: number }, policy: PaymentPolicy = {}) {
  const created = await fx.admin.createPaymentOrder({
    amount: 30_000,
    ...order,
    paid: false,
    callbackUrl: fx.callbackUrl,
  });
  const paymentId = created.paymentOrder.id;
  const handle = await fx.env.client.workflow.start(
    swedbankPayPayment,
    paymentStartOptions(
      {
        paymentId,
        orderId: `order-po-${name}-${process.pid}`,
        awaitAuthorization: true,
        policy: { pollInitialMs: 300, pollMaxMs: 1_000, activityTimeoutMs: 10_000, ...policy },
      },
      fx.worker.taskQueue,
    ),
  );
  return { handle, paymentId };
}

describe('payment order: authorization phase', () => {
  it('an order the payer has not paid: requests are held, then run once the payer pays', async () => {
    const { handle, paymentId } = await startUnpaidOrder('await', { vatAmount: 0 });
    await handle.signal(captureSignal, { reference: 'S1', amount: 10_000, vatAmount: 0 });
    await waitForState(handle, (s) => s.queue[0]?.status === 'held', { what: 'capture held' });
    await fx.admin.payPaymentOrder(paymentId);
    const s = await waitForState(handle, (x) => x.ledger.captured === 10_000, { what: 'held capture ran' });
    assert.equal(s.authorization?.phase, 'Authorized');
    assert.equal(s.ledger.authorized, 30_000);
    assert.equal(s.paymentMethod, 'CreditCard');
    await eventually(async () => ((await state(handle)).queue.length === 0 ? true : undefined), {
      what: 'queue empty',
    });
    await saveHistory(handle, 'payment-order-awaited');
    await handle.terminate('test done');
  });

  it('an order nobody pays is aborted when abandoned (PATCH Abort)', async () => {
    const { handle, paymentId } = await startUnpaidOrder('abandon', {}, { abandonAfterMs: 1_500 });
    const summary = await handle.result();
    assert.equal(summary.status, 'Abandoned');
    assert.equal((await fx.admin.paymentOrder(paymentId)).state, 'Aborted');
  });
});

describe('payment order through the OMS client', () => {
  it('track, fulfilment events and waiting forms, typed refusals, listing by payment method', async () => {
    const payments = new PaymentsClient({ client: fx.env.client, taskQueue: fx.worker.taskQueue });
    const created = await fx.admin.createPaymentOrder({
      amount: 50_000,
      vatAmount: 10_000,
      instrument: 'Vipps',
      callbackUrl: fx.callbackUrl,
    });
    const paymentId = created.paymentOrder.id;
    const orderId = `order-po-oms-${process.pid}`;
    const tracked = await payments.track({ paymentId, orderId, policy: { pollInitialMs: 300, pollMaxMs: 1_000 } });
    assert.equal(tracked.workflowId, `swedbank-pay-paymentorder-${paymentId.split('/').pop()}`);
    await payments.captureRequested(paymentId, { reference: 'S1', amount: 20_000, vatAmount: 4_000 });
    const again = await payments.capture(paymentId, { reference: 'S1', amount: 20_000, vatAmount: 4_000 });
    assert.equal(again.state, 'Completed', "the redelivered shipment gets the first one's result");
    await assert.rejects(
      payments.capture(paymentId, { reference: 'S2', amount: 40_000, vatAmount: 0 }),
      (err: unknown) => err instanceof PaymentRequestRejectedError && err.code === 'exceeds-remaining-capture',
    );
    const listed = await eventually(
      async () => (await payments.list({ orderId })).find((p) => p.instrument === 'Vipps'),
      { what: 'the payment listed with its payment method' },
    );
    assert.equal(listed.paymentId, paymentId);
    const captures = (await fx.admin.paymentOrder(paymentId)).transactions.filter((x) => x.type === 'Capture');
    assert.equal(captures.length, 1, 'one capture for the shipment sent twice');
    await fx.env.client.workflow.getHandle(tracked.workflowId).terminate('test done');
  });
});
