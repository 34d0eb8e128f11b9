/**
 * After the tests: every payload of every workflow history on the shared test server, searched for
 * the secrets tests use (the bearer token's canary, the card tokens' marker). No secret may enter
 * workflow history, whatever a test did.
 */
import { Client, Connection } from '@temporalio/client';
import { CANARY, CARD_TOKEN_CANARY } from './secrets.js';

/** Every payload's bytes anywhere in a value (a history's events). */
function payloadBytes(value: unknown, found: Uint8Array[] = []): Uint8Array[] {
  if (typeof value !== 'object' || value === null) return found;
  if (value instanceof Uint8Array) {
    found.push(value);
    return found;
  }
  for (const child of Object.values(value)) payloadBytes(child, found);
  return found;
}

export async function scanHistories(
  address: string,
  namespace: string,
): Promise<{ workflows: number; leaks: string[] }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const leaks: string[] = [];
    let workflows = 0;
    for await (const info of client.workflow.list({ query: '' })) {
      workflows++;
      const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const text = payloadBytes(history.events)
        .map((bytes) => Buffer.from(bytes).toString('latin1'))
        .join('\n');
      for (const secret of [CANARY, CARD_TOKEN_CANARY]) {
        if (text.includes(secret)) leaks.push(`${info.workflowId} (${info.runId}) holds ${secret}`);
      }
    }
    return { workflows, leaks };
  } finally {
    await connection.close();
  }
}
