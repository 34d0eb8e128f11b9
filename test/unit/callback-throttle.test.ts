// The callback receiver's per-payment bounds, on a fake clock: coalescing into one trailing signal,
// the token bucket, forgetting the least recently seen payment, and nothing kept for unknown ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackThrottle } from '../../src/callbacks/throttle.js';

function throttleWith(options: ConstructorParameters<typeof CallbackThrottle>[0]) {
  let now = 1_000_000;
  const delivered: [string, unknown][] = [];
  const throttle = new CallbackThrottle({ now: () => now, ...options }, (key, body) => delivered.push([key, body]));
  const advance = (ms: number) => {
    now += ms;
  };
  return { throttle, delivered, advance };
}

describe('callback throttle', () => {
  it('signals the first callback, folds the next ones of the window into one trailing signal', async () => {
    const { throttle, delivered } = throttleWith({ coalesceWindowMs: 30 });
    assert.deepEqual(throttle.admit('wf-1', 'a'), { action: 'signal' });
    assert.deepEqual(throttle.admit('wf-1', 'b'), { action: 'coalesced' });
    assert.deepEqual(throttle.admit('wf-1', 'c'), { action: 'coalesced' });
    assert.deepEqual(throttle.admit('wf-2', 'x'), { action: 'signal' }, 'payments are independent');
    // The trailing signal runs on a real timer; the fake clock only decides tokens and windows.
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(delivered, [['wf-1', 'c']], 'one trailing signal, carrying the latest body');
    throttle.close();
  });

  it('a failed signal is not held against the payment: the next callback is signalled at once', () => {
    const { throttle } = throttleWith({ coalesceWindowMs: 60_000 });
    assert.deepEqual(throttle.admit('wf-1', 'a'), { action: 'signal' });
    throttle.failed('wf-1');
    assert.deepEqual(throttle.admit('wf-1', 'a'), { action: 'signal' });
    throttle.close();
  });

  it('past the burst, 429 with the time to the next token; tokens come back at the hourly rate', () => {
    const { throttle, advance } = throttleWith({ coalesceWindowMs: 0, burst: 3, perHour: 60 });
    for (let i = 0; i < 3; i++) assert.deepEqual(throttle.admit('wf-1', i), { action: 'signal' });
    const limited = throttle.admit('wf-1', 3);
    assert.equal(limited.action, 'limited');
    assert.ok(limited.action === 'limited' && limited.retryAfterMs > 0 && limited.retryAfterMs <= 60_000);
    advance(60_000);
    assert.deepEqual(throttle.admit('wf-1', 4), { action: 'signal' }, 'one token per minute at 60 per hour');
    assert.equal(throttle.admit('wf-1', 5).action, 'limited');
    advance(10 * 60_000);
    for (let i = 0; i < 3; i++)
      assert.deepEqual(throttle.admit('wf-1', i), { action: 'signal' }, 'never above the burst');
    assert.equal(throttle.admit('wf-1', 9).action, 'limited');
    throttle.close();
  });

  it('remembers at most maxPayments payments, forgetting the least recently seen', () => {
    const { throttle } = throttleWith({ coalesceWindowMs: 0, burst: 1, perHour: 1, maxPayments: 2 });
    const signalled = (key: string) => {
      assert.equal(throttle.admit(key, 0).action, 'signal', key);
      throttle.reached(key);
    };
    signalled('a');
    signalled('b');
    assert.equal(throttle.admit('a', 0).action, 'limited', 'a is remembered (and now most recent)');
    signalled('c'); // pushes out b, the least recently seen
    assert.equal(throttle.admit('b', 0).action, 'signal', 'b was forgotten: a fresh bucket');
    throttle.close();
  });

  it('ids no workflow answered to keep no bucket and push no payment out', () => {
    const { throttle } = throttleWith({ coalesceWindowMs: 0, burst: 1, perHour: 1, maxPayments: 2 });
    for (const key of ['a', 'b']) {
      assert.equal(throttle.admit(key, 0).action, 'signal');
      throttle.reached(key);
    }
    // As the handler answers them: not found, then the finally's failed().
    for (let i = 0; i < 100; i++) {
      assert.equal(throttle.admit(`unknown-${i}`, 0).action, 'signal');
      throttle.notFound(`unknown-${i}`);
      throttle.failed(`unknown-${i}`);
    }
    // Ids whose signals are all still out at once.
    for (let i = 0; i < 100; i++) assert.equal(throttle.admit(`in-flight-${i}`, 0).action, 'signal');
    assert.equal(throttle.admit('a', 0).action, 'limited', 'a keeps its spent bucket');
    assert.equal(throttle.admit('b', 0).action, 'limited', 'b keeps its spent bucket');
    assert.equal(throttle.admit('unknown-0', 0).action, 'signal', 'nothing was kept for an unknown id');
    throttle.close();
  });

  it('refuses settings that make no sense', () => {
    assert.throws(() => new CallbackThrottle({ burst: 0 }, () => undefined), /burst/);
    assert.throws(() => new CallbackThrottle({ coalesceWindowMs: 2 ** 31 }, () => undefined), /coalesceWindowMs/);
    assert.throws(() => new CallbackThrottle({ perHour: 1.5 }, () => undefined), /perHour/);
  });
});
