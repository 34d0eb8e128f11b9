// The demo orders `npm start` runs, on the real dev server against the emulator: the payment order
// card purchase, the Swish sale and the legacy card payment all reach their documented end.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PaymentsClient } from '../src/client/payments-client.js';
import { runDemoOrders } from '../src/demo.js';
import { temporal } from './harness.js';
import { usePaymentFixture } from './payment-fixture.js';

const fx = usePaymentFixture(temporal);

describe('the demo orders', () => {
  it('run to their end through the OMS client, each step printed', async (t) => {
    const lines: string[] = [];
    await runDemoOrders({
      payments: new PaymentsClient({ client: fx.env.client, taskQueue: fx.worker.taskQueue }),
      admin: fx.admin,
      callbackUrl: fx.callbackUrl,
      webUiUrl: 'http://localhost:8233',
      namespace: 'default',
      log: (line) => lines.push(line),
    });
    const text = lines.join('\n');
    t.diagnostic(text);
    assert.match(text, /payment order paid by card: 1000\.00 SEK/);
    assert.match(text, /order closed -> cancellation 250\.00 SEK: Completed/);
    assert.match(text, /delete the card tokens -> delete-token: Completed/);
    assert.match(text, /captured 750\.00 SEK, cancelled 250\.00 SEK, reversed 400\.00 SEK; status PartiallyReversed/);
    assert.match(text, /a sale of 300\.00 SEK/);
    assert.match(text, /a capture -> refused: .*one-phase/);
    assert.match(text, /captured 300\.00 SEK, cancelled 0\.00 SEK, reversed 100\.00 SEK; status PartiallyReversed/);
    assert.match(text, /captured 300\.00 SEK, cancelled 200\.00 SEK, reversed 0\.00 SEK; status Captured/);
    assert.match(text, /demo orders done in/);
    assert.doesNotMatch(text, /Failed|demo failed/);
  });
});
