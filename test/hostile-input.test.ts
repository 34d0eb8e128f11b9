// Nothing a caller sends can break a payment: arbitrary JSON thrown at every update, every signal and
// the workflow input, on the real dev server. Every message gets an answer (a typed rejection, or a
// recorded rejected signal), no workflow task ever fails, and the ledger moves only for what is valid.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import fc from 'fast-check';
import { paymentStartOptions } from '../src/client/start-options.js';
import {
  abortSignal,
  abortUpdate,
  callbackSignal,
  cancelSignal,
  cancelUpdate,
  captureSignal,
  captureUpdate,
  deleteTokenSignal,
  deleteTokenUpdate,
  PAYMENT_WORKFLOW_TYPE,
  paymentWorkflowId,
  reverseSignal,
  reverseUpdate,
  type Instrument,
  type OperationResult,
} from '../src/contract/index.js';
import { inputProblems } from '../src/domain/input.js';
import {
  checkAbortRequest,
  checkCancelRequest,
  checkCaptureRequest,
  checkDeleteTokenRequest,
  checkReversalRequest,
} from '../src/domain/requests.js';
import { temporal } from './harness.js';
import { startPayment, state, usePaymentFixture, waitForState } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);

/** Messages per instrument and kind of message: 5 updates and 5 signals, each this many times. */
const RUNS_PER_HANDLER = 30;
const WORKFLOW_INPUTS = 40;

type Check = (raw: unknown, instrument: Instrument) => { ok: boolean };

const OPERATIONS: {
  name: string;
  update: UpdateDefinition<OperationResult, [unknown]>;
  signal: SignalDefinition<[unknown]>;
  check: Check;
  fields: string[];
}[] = [
  {
    name: 'capture',
    update: captureUpdate,
    signal: captureSignal,
    check: (raw, instrument) => checkCaptureRequest(raw, instrument, false),
    fields: [
      'amount',
      'vatAmount',
      'description',
      'reference',
      'finalFulfilment',
      'itemDescriptions',
      'vatSummary',
      'orderItems',
      'receiptReference',
    ],
  },
  {
    name: 'cancel',
    update: cancelUpdate,
    signal: cancelSignal,
    check: (raw) => checkCancelRequest(raw, false),
    fields: ['description', 'reference'],
  },
  {
    name: 'reverse',
    update: reverseUpdate,
    signal: reverseSignal,
    check: (raw, instrument) => checkReversalRequest(raw, instrument, false),
    fields: ['amount', 'vatAmount', 'description', 'reference', 'orderItems', 'receiptReference'],
  },
  {
    name: 'abort',
    update: abortUpdate,
    signal: abortSignal,
    check: (raw) => checkAbortRequest(raw, false),
    fields: ['reference'],
  },
  {
    name: 'deleteToken',
    update: deleteTokenUpdate,
    signal: deleteTokenSignal,
    check: (raw) => checkDeleteTokenRequest(raw, false),
    fields: ['comment', 'reference'],
  },
];

/** Any JSON, and requests shaped like the real ones with any JSON in their fields (far likelier to get deep). */
function hostile(fields: string[]): fc.Arbitrary<unknown> {
  const nasty = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(null, '', 'x'.repeat(500), -1, 0, 1.5, 2 ** 53, '\uD800', [null], [{}], { amount: 'x' }),
  );
  const shaped = fc.dictionary(fc.constantFrom(...fields, 'carried', 'extra'), nasty, { maxKeys: fields.length + 1 });
  const invoiceLike = fc.record({
    amount: fc.constantFrom(100, 1.5, -1),
    vatAmount: fc.constantFrom(0, 200),
    reference: fc.string(),
    itemDescriptions: fc.oneof(fc.constant('lines'), fc.constant([null]), fc.array(nasty, { maxLength: 3 })),
    vatSummary: fc.oneof(fc.constant(5), fc.array(nasty, { maxLength: 3 })),
  });
  const orderLike = fc.record({
    amount: fc.constantFrom(100, 1.5, -1),
    vatAmount: fc.constantFrom(0, 20),
    reference: fc.string(),
    orderItems: fc.oneof(
      fc.constant('lines'),
      fc.constant([null]),
      fc.array(fc.dictionary(fc.constantFrom('reference', 'name', 'type', 'class', 'amount', 'quantity'), nasty)),
    ),
    receiptReference: nasty,
  });
  return fc.oneof(fc.jsonValue(), shaped, invoiceLike, orderLike);
}

async function failedWorkflowTasks(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.filter((e) => e.workflowTaskFailedEventAttributes).length;
}

/** A capture the workflow refuses for its shape: as an update, invalid-request; then sent as a signal (recorded as rejected). */
async function refusedAsUpdateThenSignalled(handle: WorkflowHandle, request: object): Promise<void> {
  await assert.rejects(handle.executeUpdate(captureUpdate, { args: [request as never] }), (err: unknown) => {
    assert.ok(err instanceof WorkflowUpdateFailedError);
    assert.equal((err.cause as ApplicationFailure).type, 'invalid-request');
    return true;
  });
  await handle.signal(captureSignal, request as never);
}

describe('hostile input', () => {
  for (const instrument of ['creditcard', 'invoice', 'paymentorder'] as const) {
    it(`${instrument}: arbitrary JSON at every update and signal: typed answers, no failed workflow task, no money moved`, async (t) => {
      const { handle } = await startPayment(fx, { instrument, amount: 100_000, paymentToken: 'tok-hostile-0001' });
      let updates = 0;
      let signals = 0;
      let refusedUpdates = 0;
      for (const op of OPERATIONS) {
        const inputs = fc.sample(
          hostile(op.fields).filter((raw) => !op.check(raw, instrument).ok),
          { numRuns: RUNS_PER_HANDLER, seed: 20261127 },
        );
        for (const raw of inputs) {
          updates++;
          await assert.rejects(
            handle.executeUpdate(op.update, { args: [raw] }),
            (err: unknown) => {
              assert.ok(err instanceof WorkflowUpdateFailedError, `${op.name} update: ${String(err)}`);
              assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
              assert.match(err.cause.type ?? '', /^[a-z-]+$/, `a rule, not a crash: ${err.cause.type}`);
              return true;
            },
            `${op.name} update with ${JSON.stringify(raw)?.slice(0, 200)}`,
          );
          refusedUpdates++;
          signals++;
          await handle.signal(op.signal, raw);
        }
      }
      for (const raw of fc.sample(fc.jsonValue(), { numRuns: RUNS_PER_HANDLER, seed: 7 })) {
        signals++;
        await handle.signal(callbackSignal, raw);
      }
      const s = await waitForState(handle, (x) => x.rejectedSignals.length > 0 && x.queue.length === 0, {
        what: 'signals judged',
      });
      assert.equal(await failedWorkflowTasks(handle), 0, 'no workflow task failed');
      assert.deepEqual(s.ledger.entries, [], 'no money moved');
      assert.equal(s.recent.length, 0, 'no operation ran');
      // Still healthy: a valid request goes through.
      const capture = await handle.executeUpdate(captureUpdate, {
        args: [
          {
            amount: 1_000,
            vatAmount: 200,
            ...(instrument === 'invoice' && {
              itemDescriptions: [{ amount: 1_000, description: 'Socks' }],
              vatSummary: [{ amount: 1_000, vatPercent: 2500, vatAmount: 200 }],
            }),
          },
        ],
      });
      assert.equal(capture.state, 'Completed');
      assert.equal((await state(handle)).ledger.captured, 1_000);
      assert.equal(await failedWorkflowTasks(handle), 0);
      t.diagnostic(
        `${updates} updates (${refusedUpdates} refused with a rule) and ${signals} signals: 0 failed workflow tasks`,
      );
      await handle.terminate('test done');
    });
  }

  it("the issue's cases: invoice lines that are not lists get invalid-request, as update and as signal", async () => {
    const { handle } = await startPayment(fx, { instrument: 'invoice', amount: 10_000 });
    const bad = [
      { itemDescriptions: 'lines', vatSummary: [{ amount: 100, vatPercent: 2500, vatAmount: 20 }] },
      { itemDescriptions: [null], vatSummary: [{ amount: 100, vatPercent: 2500, vatAmount: 20 }] },
      { itemDescriptions: [{ amount: 100, description: 'x' }], vatSummary: 5 },
    ];
    for (const [i, lines] of bad.entries()) {
      const request = { amount: 100, vatAmount: 20, reference: `bad-${i}`, ...lines };
      await refusedAsUpdateThenSignalled(handle, request);
    }
    const s = await waitForState(handle, (x) => x.rejectedSignals.length === 3, { what: 'three rejected signals' });
    assert.deepEqual(
      s.rejectedSignals.map((r) => r.code),
      ['invalid-request', 'invalid-request', 'invalid-request'],
    );
    assert.equal(await failedWorkflowTasks(handle), 0);
    await handle.terminate('test done');
  });

  it('a new payment takes the bounded-requests rules: references with control characters and outsized lines refused, as update and as signal', async () => {
    const { handle } = await startPayment(fx, { instrument: 'paymentorder', amount: 10_000 });
    const line = {
      reference: 'P1',
      name: 'Product 1',
      type: 'PRODUCT',
      class: 'ProductGroup1',
      quantity: 1,
      quantityUnit: 'pcs',
      vatPercent: 0,
      vatAmount: 0,
    };
    const bad = [
      { amount: 100, vatAmount: 0, reference: 'ship\n1' },
      { amount: 100, vatAmount: 0, reference: 'neg-price', orderItems: [{ ...line, unitPrice: -100, amount: 100 }] },
    ];
    for (const request of bad) {
      await refusedAsUpdateThenSignalled(handle, request);
    }
    const s = await waitForState(handle, (x) => x.rejectedSignals.length === 2, { what: 'two rejected signals' });
    assert.deepEqual(
      s.rejectedSignals.map((r) => [r.code, /control characters|must not be negative/.test(r.message)]),
      [
        ['invalid-request', true],
        ['invalid-request', true],
      ],
    );
    assert.equal(s.ledger.captured, 0);
    const history = await handle.fetchHistory();
    const patches = (history.events ?? []).flatMap((e) => {
      const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
      return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
    });
    assert.ok(patches.includes('bounded-requests'), `the run recorded the bounded-requests patch: ${patches.join()}`);
    assert.equal(await failedWorkflowTasks(handle), 0);
    await handle.terminate('test done');
  });

  it('arbitrary workflow input: refused as invalid-input (the workflow fails cleanly), never a failed workflow task', async (t) => {
    const valid = {
      paymentId: `/psp/creditcard/payments/${randomUUID()}`,
      orderId: 'hostile-1',
      currency: 'SEK',
      authorizedAmount: 1_000,
    };
    const inputs = fc.sample(
      fc
        .oneof(
          fc.jsonValue(),
          fc.record(
            { ...Object.fromEntries(Object.keys(valid).map((k) => [k, fc.jsonValue()])), policy: fc.jsonValue() },
            { requiredKeys: [] },
          ),
          // A valid input with one policy field out of any sensible range.
          fc
            .record({
              policy: fc.dictionary(
                fc.constantFrom(
                  'expiryLeadTimeMs',
                  'continueAsNewAfterEvents',
                  'reversalWindowMs',
                  'pollMaxMs',
                  'carried',
                ),
                fc.oneof(fc.constantFrom(0, 1, 2 ** 53, 8.64e15, -1), fc.jsonValue()),
                { minKeys: 1 },
              ),
            })
            .map((x) => ({ ...valid, ...x })),
        )
        .filter((input) => inputProblems(input).length > 0),
      { numRuns: WORKFLOW_INPUTS, seed: 42 },
    );
    let refused = 0;
    for (const input of inputs) {
      const handle = await fx.env.client.workflow.start(PAYMENT_WORKFLOW_TYPE, {
        workflowId: `hostile-input-${randomUUID()}`,
        taskQueue: fx.worker.taskQueue,
        args: [input],
      });
      await assert.rejects(handle.result(), (err: unknown) => {
        assert.ok(err instanceof WorkflowFailedError, String(err));
        assert.equal((err.cause as ApplicationFailure).type, 'invalid-input', JSON.stringify(input)?.slice(0, 300));
        return true;
      });
      refused++;
      assert.equal(await failedWorkflowTasks(handle), 0, 'no workflow task failed');
    }
    t.diagnostic(`${refused} of ${inputs.length} arbitrary inputs refused as invalid-input, 0 failed workflow tasks`);
  });

  it("refuses a start under a workflow id that is not its payment's, and a forged carried state", async () => {
    const paymentId = `/psp/creditcard/payments/${randomUUID()}`;
    const input = { paymentId, orderId: 'forged', currency: 'SEK', authorizedAmount: 1_000 };
    const foreign = await fx.env.client.workflow.start(PAYMENT_WORKFLOW_TYPE, {
      workflowId: `second-chain-${randomUUID()}`,
      taskQueue: fx.worker.taskQueue,
      args: [input],
    });
    await assert.rejects(foreign.result(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.equal((err.cause as ApplicationFailure).type, 'invalid-input');
      assert.match((err.cause as ApplicationFailure).message, new RegExp(paymentWorkflowId(paymentId)));
      return true;
    });
    const forged = { ...input, carried: { ledger: { authorized: 10 ** 9 } } };
    assert.throws(() => paymentStartOptions(forged), /carried is reserved/);
    const started = await fx.env.client.workflow.start(PAYMENT_WORKFLOW_TYPE, {
      workflowId: paymentWorkflowId(paymentId),
      taskQueue: fx.worker.taskQueue,
      args: [forged],
    });
    await assert.rejects(started.result(), (err: unknown) => {
      assert.equal(((err as WorkflowFailedError).cause as ApplicationFailure).type, 'invalid-input');
      return true;
    });
    assert.equal(await failedWorkflowTasks(started), 0);
  });
});
