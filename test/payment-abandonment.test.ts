// Abandonment at its default time on the time-skipping test server: half an hour of workflow time in
// seconds, with the workflow's activities still talking real HTTP to the emulator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentStartOptions } from '../src/client/start-options.js';
import type { PaymentWorkflowInput } from '../src/contract/index.js';
import { captureSignal } from '../src/contract/index.js';
import { swedbankPayPayment } from '../src/workflows/payment.js';
import { timeSkippingTemporal } from './harness.js';
import { state, usePaymentFixture } from './payment-fixture.js';

const MINUTE = 60_000;
const fx = usePaymentFixture(timeSkippingTemporal);

function eventMs(event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null } | undefined): number {
  return Number(event?.eventTime?.seconds ?? 0) * 1000 + (event?.eventTime?.nanos ?? 0) / 1e6;
}

describe('abandonment by default', () => {
  it('aborts a payment nobody authorizes after 30 minutes (default policy), not before', async () => {
    const created = await fx.admin.createPayment({
      instrument: 'invoice',
      amount: 50_000,
      vatAmount: 10_000,
      currency: 'SEK',
      callbackUrl: fx.callbackUrl,
      awaitingAuthorization: true,
    });
    const input: PaymentWorkflowInput = {
      paymentId: created.payment.id,
      orderId: `order-${process.pid}-abandoned`,
      awaitAuthorization: true, // nothing announced: currency and amount come from Swedbank Pay, if ever
    };
    const handle = await fx.env.client.workflow.start(
      swedbankPayPayment,
      paymentStartOptions(input, fx.worker.taskQueue),
    );
    await handle.signal(captureSignal, {
      amount: 50_000,
      vatAmount: 10_000,
      reference: 'S1',
      itemDescriptions: [{ amount: 50_000, description: 'Everything' }],
      vatSummary: [{ amount: 50_000, vatPercent: 2500, vatAmount: 10_000 }],
    });

    const summary = await handle.result();
    assert.equal(summary.status, 'Abandoned');
    assert.equal(summary.currency, 'SEK', 'learnt from Swedbank Pay while waiting');
    assert.equal((await fx.admin.payment(created.payment.id)).state, 'Aborted');
    const s = await state(handle);
    assert.deepEqual(
      s.rejectedSignals.map((r) => [r.reference, r.code]),
      [['S1', 'payment-abandoned']],
    );
    assert.match(s.authorization?.failureReason ?? '', /30 min/);

    const events = (await handle.fetchHistory()).events ?? [];
    const abort = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'abortPayment');
    assert.ok(abort, 'the abort activity ran');
    const waited = eventMs(abort) - eventMs(events[0]);
    assert.ok(waited >= 30 * MINUTE, `aborted after ${waited} ms`);
    assert.ok(waited < 31 * MINUTE, `aborted at the abandonment time, not a poll later (${waited} ms)`);
    const reads = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'readAuthorization',
    );
    assert.ok(reads.length < 15, `polling backs off (${reads.length} reads in 30 minutes)`);
  });
});
