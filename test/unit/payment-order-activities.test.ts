// The payment order side of the activities against a stub client: what they conclude from the
// documented answers when the order's financialTransactions does not list a cancellation (the
// portal's examples list captures and reversals only), and that a failed read after an answered
// POST is an unknown outcome, never a refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentOrderActivities, SentOutcomeUnread } from '../../src/activities/payment-order-activities.js';
import type { CreateTransactionInput } from '../../src/activities/snapshots.js';
import type { PaymentOrderClient } from '../../src/swedbank/payment-orders/client.js';
import type { FinancialTransaction, PaymentOrderResponse } from '../../src/swedbank/payment-orders/schemas.js';

const ORDER = '/psp/paymentorders/8be318c1-1caa-4db1-e2c6-08d7bf41224d';

function order(fields: Partial<PaymentOrderResponse['paymentOrder']>): PaymentOrderResponse {
  return {
    paymentOrder: {
      id: ORDER,
      status: 'Paid',
      currency: 'SEK',
      amount: 100_000,
      vatAmount: 20_000,
      cancelled: { id: `${ORDER}/cancelled` },
      ...fields,
    },
    operations: [],
  };
}

/** A client whose order and listings are what the test says; reads can be made to fail. */
function stubClient(o: {
  resource: PaymentOrderResponse;
  listed?: FinancialTransaction[];
  failReads?: boolean;
  /** The POST answered in another shape than a payment order's. */
  answerWithoutOrder?: boolean;
  /** GET of the order fails. */
  failOrderRead?: boolean;
}): PaymentOrderClient {
  const read = async <T>(value: T): Promise<T> => {
    if (o.failReads) throw new Error('GET financialtransactions -> 404');
    return value;
  };
  return {
    get: async () => {
      if (o.failOrderRead) throw new Error('GET paymentorder -> 503');
      return o.resource;
    },
    cancel: async () => ({ accepted: false, resource: o.resource }),
    capture: async () => ({ accepted: false, ...(!o.answerWithoutOrder && { resource: o.resource }) }),
    findTransaction: async (_r: PaymentOrderResponse, _k: string, ref: string) =>
      read(o.listed?.find((t) => t.payeeReference === ref)),
    financialTransactions: async () => read(o.listed ?? []),
    failedAttempts: async () => read([]),
  } as unknown as PaymentOrderClient;
}

const cancel: CreateTransactionInput = {
  paymentId: ORDER,
  kind: 'cancellation',
  payeeReference: 'X8be318c11caa4db1e2c608d7bf3',
  description: 'Cancel the rest',
  cancellationAmount: 25_000,
};

describe('payment order activities', () => {
  it('a capture answered 200 in another shape (v3.0) is read on the order anew and found there', async () => {
    const listed = [
      {
        id: `${ORDER}/financialtransactions/1`,
        type: 'Capture',
        number: '7',
        amount: 40_000,
        vatAmount: 8_000,
        payeeReference: 'C8be318c11caa4db1e2c608d7bf1',
      } as FinancialTransaction,
    ];
    const activities = paymentOrderActivities(() =>
      stubClient({ resource: order({ remainingCaptureAmount: 60_000 }), listed, answerWithoutOrder: true }),
    );
    const result = await activities.create({
      paymentId: ORDER,
      kind: 'capture',
      payeeReference: 'C8be318c11caa4db1e2c608d7bf1',
      description: 'Shipment 1',
      amount: 40_000,
      vatAmount: 8_000,
    });
    assert.deepEqual([result.state, result.amount, result.number], ['Completed', 40_000, '7']);
  });

  it('that read of the order failing is an unknown outcome, never a refusal', async () => {
    const activities = paymentOrderActivities(() =>
      stubClient({ resource: order({}), answerWithoutOrder: true, failOrderRead: true }),
    );
    await assert.rejects(
      activities.create({
        paymentId: ORDER,
        kind: 'capture',
        payeeReference: 'C8be318c11caa4db1e2c608d7bf2',
        description: 'Shipment 2',
        amount: 1_000,
        vatAmount: 0,
      }),
      SentOutcomeUnread,
    );
  });

  it('a cancel answered 200 is done, though financialTransactions does not list it', async () => {
    const activities = paymentOrderActivities(() =>
      stubClient({ resource: order({ status: 'Cancelled', remainingCaptureAmount: 0 }) }),
    );
    const result = await activities.create(cancel);
    assert.deepEqual(
      [result.state, result.amount, result.transactionId, result.payeeReference],
      ['Completed', 25_000, `${ORDER}/cancelled`, cancel.payeeReference],
    );
  });

  it('a retried cancel whose answer was lost is found on the order: nothing left to capture, short of its amount by the cancel', async () => {
    const capture = (payeeReference: string, amount: number) =>
      ({
        id: `${ORDER}/financialtransactions/${payeeReference}`,
        type: 'Capture',
        number: '1',
        amount,
        vatAmount: 0,
        payeeReference,
      }) as FinancialTransaction;
    const shipped = [capture('C1', 40_000), capture('C2', 35_000)];
    const released = paymentOrderActivities(() =>
      stubClient({ resource: order({ remainingCaptureAmount: 0 }), listed: shipped }),
    );
    assert.equal((await released.find(cancel))?.state, 'Completed');
    const open = paymentOrderActivities(() =>
      stubClient({ resource: order({ remainingCaptureAmount: 25_000 }), listed: shipped }),
    );
    assert.equal(await open.find(cancel), undefined, 'the rest is still there: not sent yet');
    const capturedElsewhere = paymentOrderActivities(() =>
      stubClient({ resource: order({ remainingCaptureAmount: 0 }), listed: [...shipped, capture('X', 25_000)] }),
    );
    assert.equal(await capturedElsewhere.find(cancel), undefined, 'a capture took the rest, not a cancel');
    const captureInput = { ...cancel, kind: 'capture' as const, amount: 25_000, vatAmount: 0 };
    assert.equal(await released.find(captureInput), undefined, 'a capture is only found listed');
  });

  it('a read that fails after an answered POST is an unknown outcome (retried), not a refusal', async () => {
    const activities = paymentOrderActivities(() =>
      stubClient({ resource: order({ remainingCaptureAmount: 75_000 }), failReads: true }),
    );
    const capture = { ...cancel, kind: 'capture' as const, amount: 25_000, vatAmount: 5_000 };
    await assert.rejects(activities.create(capture), (err: unknown) => {
      assert.ok(err instanceof SentOutcomeUnread);
      assert.match(err.message, /capture sent, its outcome not readable yet/);
      return true;
    });
  });
});
