// The OMS client's waiting loop with a stubbed workflow: which server answers it asks again after
// (the request under the same reference is harmless to repeat) and which it hands to the caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationResult } from '../../src/contract/index.js';
import { awaitOperation, type WaitingPort } from '../../src/client/waiting.js';

const RESULT = { operationId: 1, kind: 'capture', state: 'Completed' } as unknown as OperationResult;

/** A gRPC error as the client sees it: a status code and the server's details. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

function portAnswering(answers: (Error | OperationResult)[]): WaitingPort & { updates: number } {
  const port = {
    paymentId: 'p1',
    updates: 0,
    unavailableForMs: 60_000,
    async update() {
      const answer = answers[Math.min(port.updates++, answers.length - 1)]!;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    signal: async () => assert.fail('no signal expected'),
    outcome: async () => assert.fail('no query expected'),
    status: async () => 'running' as const,
  };
  return port;
}

describe('OMS client: waiting for an operation', () => {
  it('asks again when the server aborted the update with the workflow task that carried it', async () => {
    const aborted = grpcError(
      9,
      'Unable to perform workflow execution update due to unexpected workflow task failure.',
    );
    const port = portAnswering([aborted, RESULT]);
    assert.deepEqual(await awaitOperation(port), RESULT);
    assert.equal(port.updates, 2);
  });

  it('asks again while the run is closing (continue-as-new) or the server is away', async () => {
    const port = portAnswering([grpcError(14, 'unavailable'), grpcError(9, 'workflow is closing'), RESULT]);
    assert.deepEqual(await awaitOperation(port), RESULT);
    assert.equal(port.updates, 3);
  });

  it('hands any other failed precondition to the caller at once', async () => {
    const port = portAnswering([grpcError(9, 'something else entirely'), RESULT]);
    await assert.rejects(awaitOperation(port), /something else entirely/);
    assert.equal(port.updates, 1);
  });
});
