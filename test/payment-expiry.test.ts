// Authorization expiry on the time-skipping test server: days of workflow time in seconds, with the
// workflow's activities still talking real HTTP to the emulator.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureUpdate } from '../src/contract/index.js';
import { timeSkippingTemporal } from './harness.js';
import { saveHistory, startPayment, state, usePaymentFixture } from './payment-fixture.js';

const DAY = 24 * 60 * 60 * 1000;
const fx = usePaymentFixture(timeSkippingTemporal);

describe('authorization expiry', () => {
  it('cancels the uncaptured remainder a lead time before the authorization expires, then closes', async (t) => {
    const wallStart = performance.now();
    const { handle, paymentId } = await startPayment(fx, {
      amount: 100_000,
      policy: { authorizationValidityMs: 7 * DAY, expiryLeadTimeMs: DAY, reversalWindowMs: 2 * DAY },
    });
    const capture = await handle.executeUpdate(captureUpdate, { args: [{ amount: 30_000, vatAmount: 6_000 }] });
    assert.equal(capture.state, 'Completed');
    const summary = await handle.result();
    assert.deepEqual([summary.captured, summary.cancelled], [30_000, 70_000]);
    const psp = await fx.admin.payment(paymentId);
    assert.equal(psp.totals.cancelled, 70_000, 'Swedbank Pay released the remainder');
    const history = (await handle.fetchHistory()).events ?? [];
    const started = Number(history[0]?.eventTime?.seconds ?? 0);
    const ended = Number(history[history.length - 1]?.eventTime?.seconds ?? 0);
    assert.ok(ended - started >= 8 * 86_400, 'six days to the expiry action plus the two-day reversal window');
    t.diagnostic(
      `${((ended - started) / 86_400).toFixed(1)} days of workflow time in ${((performance.now() - wallStart) / 1000).toFixed(1)} s`,
    );
    await saveHistory(handle, 'authorization-expiry');
  });

  it('only flags the payment when the policy says so', async () => {
    const { handle } = await startPayment(fx, {
      amount: 50_000,
      policy: { authorizationValidityMs: 7 * DAY, expiryLeadTimeMs: DAY, onAuthorizationExpiry: 'flag' },
    });
    await fx.env.sleep(6 * DAY + 60_000);
    const s = await state(handle);
    assert.equal(s.needsAttention, true);
    assert.match(s.attentionReasons.join(' '), /authorization expires/);
    assert.equal(s.ledger.cancelled, 0);
    assert.equal(s.remainingToCapture, 50_000);
    await handle.terminate('test done');
    await saveHistory(handle, 'authorization-expiry-flag');
  });
});
