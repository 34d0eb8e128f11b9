/**
 * Token deletion on the Payment Order API (PATCH /psp/paymentorders/{paymentTokens|recurrenceTokens|
 * unscheduledTokens}/{token}) over real HTTP on loopback: each type's answer as the portal renders
 * it, the strict body, unknown tokens, deleting twice, and the deletion visible to the admin API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmulatorAdmin } from '../src/emulator/admin-client.js';
import { EmulatorHarness, expectOrder, expectOrderProblem, poRequest } from './emulator-helpers.js';
import { TEST_TOKEN } from './secrets.js';

let harness: EmulatorHarness;
let admin: EmulatorAdmin;

before(async () => {
  harness = await EmulatorHarness.start({ token: TEST_TOKEN });
  admin = new EmulatorAdmin(harness.baseUrl);
});

after(async () => {
  await harness.close();
});

const DELETE = { state: 'Deleted', comment: 'The payer asked us to forget the card' };

/** A paid card order with all three token types; returns the order id and its tokens by type. */
async function tokenizedOrder(): Promise<{ id: string; tokens: Record<string, string> }> {
  const order = await admin.createPaymentOrder({ amount: 1_000, tokens: ['payment', 'recurrence', 'unscheduled'] });
  const id = order.paymentOrder.id;
  const paid = (await (await poRequest(harness, 'GET', `${id}/paid`)).json()) as {
    paid: { tokens: { type: string; token: string; name: string; expiryDate: string }[] };
  };
  for (const token of paid.paid.tokens) assert.match(token.expiryDate, /^\d{2}\/\d{4}$/);
  return { id, tokens: Object.fromEntries(paid.paid.tokens.map((t) => [t.type, t.token])) };
}

function tokenPath(segment: string, token: string | undefined): string {
  return `/psp/paymentorders/${segment}/${token ?? 'missing'}`;
}

describe('emulator: payment order token deletion', () => {
  it('each token type answers as documented and is recorded deleted', async () => {
    const { id, tokens } = await tokenizedOrder();
    const recurrence = await expectOrder(
      await poRequest(harness, 'PATCH', tokenPath('recurrenceTokens', tokens.recurrence), DELETE),
    );
    assert.deepEqual(recurrence, { token: tokens.recurrence, isDeleted: true });
    const unscheduled = (await expectOrder(
      await poRequest(harness, 'PATCH', tokenPath('unscheduledTokens', tokens.unscheduled), DELETE),
    )) as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(unscheduled), [
      'token',
      'instrument',
      'instrumentDisplayName',
      'correlationId',
      'instrumentParameters',
    ]);
    assert.equal(unscheduled.token, tokens.unscheduled);
    assert.equal(unscheduled.instrumentDisplayName, '492500******0004');
    const payment = (await expectOrder(
      await poRequest(harness, 'PATCH', tokenPath('paymenttokens', tokens.payment), DELETE),
    )) as unknown as Record<string, unknown>;
    assert.equal(payment.paymentToken, tokens.payment);
    assert.deepEqual(payment.instrumentParameters, { cardBrand: 'Visa', expiryDate: '12/2030' });
    const ledger = await admin.paymentOrder(id);
    assert.deepEqual(
      ledger.tokens.map((t) => [t.type, t.isDeleted, t.comment]),
      ['payment', 'recurrence', 'unscheduled'].map((type) => [type, true, DELETE.comment]),
    );
  });

  it('deleting a deleted token answers 200 again; an unknown token, or one of another type, is 404', async () => {
    const { tokens } = await tokenizedOrder();
    const path = tokenPath('recurrenceTokens', tokens.recurrence);
    await expectOrder(await poRequest(harness, 'PATCH', path, DELETE));
    assert.deepEqual(await expectOrder(await poRequest(harness, 'PATCH', path, DELETE)), {
      token: tokens.recurrence,
      isDeleted: true,
    });
    const unknown = await poRequest(harness, 'PATCH', tokenPath('paymentTokens', crypto.randomUUID()), DELETE);
    const problem = await expectOrderProblem(unknown, 404, 'paymentorders/inputerror');
    assert.deepEqual(problem.problems, [
      { name: 'PaymentToken', description: 'The given PaymentToken does not exist.' },
    ]);
    const wrongType = await poRequest(harness, 'PATCH', tokenPath('unscheduledTokens', tokens.payment), DELETE);
    assert.equal(
      (await expectOrderProblem(wrongType, 404, 'paymentorders/inputerror')).problems[0]?.name,
      'UnscheduledToken',
    );
  });

  it('the body is strict: state must be Deleted and a comment is required; version=3.1 is required', async () => {
    const { id, tokens } = await tokenizedOrder();
    const path = tokenPath('paymentTokens', tokens.payment);
    const cases: [body: unknown, name: string][] = [
      [{ state: 'Active', comment: 'x' }, 'State'],
      [{ state: 'Deleted' }, 'Comment'],
      [{ ...DELETE, tokenType: 'PaymentToken' }, 'TokenType'],
    ];
    for (const [body, name] of cases) {
      const problem = await expectOrderProblem(
        await poRequest(harness, 'PATCH', path, body),
        400,
        'paymentorders/inputerror',
      );
      assert.ok(
        problem.problems.some((p) => p.name === name),
        JSON.stringify(problem.problems),
      );
    }
    const unversioned = await poRequest(harness, 'PATCH', path, DELETE, 'application/json');
    await expectOrderProblem(unversioned, 400, 'paymentorders/inputerror');
    const ledgerTokens = (await admin.paymentOrder(id)).tokens;
    assert.deepEqual(
      ledgerTokens.map((t) => t.isDeleted),
      [false, false, false],
    );
  });

  it('only token-capable instruments accept tokens at creation', async () => {
    await assert.rejects(admin.createPaymentOrder({ amount: 1_000, instrument: 'Swish', tokens: ['payment'] }), /400/);
  });
});
