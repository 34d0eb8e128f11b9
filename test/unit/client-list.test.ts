// Listing payments with a stubbed Temporal client: a filter that is not one is InvalidListFilterError
// before any query is made, so no value can add a clause of its own, and `limit` bounds the entries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { InvalidListFilterError } from '../../src/client/errors.js';
import { listQuery, type PaymentListFilter } from '../../src/client/listing.js';
import { stubbedClient } from './temporal-client-stub.js';

/** `count` payment workflows as visibility lists them. */
function listing(count: number): WorkflowExecutionInfo[] {
  return Array.from(
    { length: count },
    (_, i) =>
      ({
        workflowId: `swedbank-pay-creditcard-p${i}`,
        typedSearchAttributes: { get: () => undefined },
        status: { name: 'RUNNING' },
        startTime: new Date(0),
      }) as unknown as WorkflowExecutionInfo,
  );
}

const BAD_FILTERS: [string, unknown][] = [
  ['needsAttention that is a string', { needsAttention: "false OR WorkflowType = 'x'" }],
  ['needsAttention that is a number', { needsAttention: 1 }],
  ['a state that is no payment status', { state: "Captured' OR 'a' = 'a" }],
  ['a state that is not a string', { state: 5 }],
  ['an executionStatus Temporal does not have', { executionStatus: 'Running OR 1 = 1' }],
  ['an empty orderId', { orderId: '' }],
  ['an orderId longer than any order id', { orderId: 'x'.repeat(101) }],
  ['an orderId that is not a string', { orderId: 1001 }],
  ['limit 0', { limit: 0 }],
  ['limit NaN', { limit: NaN }],
  ['a negative limit', { limit: -1 }],
  ['a fractional limit', { limit: 1.5 }],
  ['an infinite limit', { limit: Infinity }],
  ['a limit that is a string', { limit: '10' }],
  ['an unknown field', { orderID: '1001' }],
  ['a filter that is not an object', null],
];

describe('OMS client: listing payments', () => {
  for (const [what, filter] of BAD_FILTERS) {
    it(`refuses ${what} with InvalidListFilterError, querying nothing`, async () => {
      const { payments, listed } = stubbedClient(listing(3));
      await assert.rejects(payments.list(filter as PaymentListFilter), InvalidListFilterError);
      assert.throws(() => listQuery(filter as PaymentListFilter), InvalidListFilterError);
      assert.deepEqual(listed, []);
    });
  }

  it('returns at most `limit` entries (default 100) and asks for no larger a page', async () => {
    const { payments, listed } = stubbedClient(listing(150));
    assert.equal((await payments.list({ limit: 1 })).length, 1);
    assert.equal((await payments.list({ limit: 7 })).length, 7);
    assert.equal((await payments.list()).length, 100);
    assert.deepEqual(
      listed.map((l) => l.pageSize),
      [1, 7, 100],
    );
  });

  it('puts each valid filter into the query as a value, never as query text', () => {
    assert.equal(
      listQuery({ state: 'PartiallyCaptured', orderId: "1' OR 'a", needsAttention: false, executionStatus: 'any' }),
      "WorkflowType = 'swedbankPayPayment' AND SwedbankPayPaymentState = 'PartiallyCaptured'" +
        " AND SwedbankPayOrderId = '1\\' OR \\'a' AND SwedbankPayNeedsAttention = false",
    );
  });
});
