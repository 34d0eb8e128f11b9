/**
 * After the tests: every payload of every workflow history on the shared test server, searched for
 * the secrets tests use (the bearer token's canary, the card tokens' marker). No secret may enter
 * workflow history, whatever a test did. And no workflow task may have failed, whatever a test sent.
 */
import { Client, Connection } from '@temporalio/client';
import { CANARY, CARD_TOKEN_CANARY } from './secrets.js';

/**
 * Workflow task failures the server decides for reasons outside the workflow (WorkflowTaskFailedCause
 * in Temporal's API): a new message raced a closing command (UNHANDLED_COMMAND, retried at once), the
 * sticky queue was reset, or the workflow was terminated or reset with a task in flight (a test's
 * cleanup). Any other failed task (the worker's, a bad command, nondeterminism) is a defect.
 */
const OUTSIDE_THE_WORKFLOW = new Set([
  1, // UNHANDLED_COMMAND
  13, // RESET_STICKY_TASK_QUEUE
  17, // FORCE_CLOSE_COMMAND
  18, // FAILOVER_CLOSE_COMMAND
  20, // RESET_WORKFLOW
]);

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
): Promise<{ workflows: number; leaks: string[]; failedTasks: string[] }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection, namespace });
    const leaks: string[] = [];
    const failedTasks: string[] = [];
    let workflows = 0;
    for await (const info of client.workflow.list({ query: '' })) {
      workflows++;
      const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
      const text = payloadBytes(history.events)
        .map((bytes) => Buffer.from(bytes).toString('latin1'))
        .join('\n');
      for (const e of history.events ?? []) {
        const failed = e.workflowTaskFailedEventAttributes;
        if (failed && !OUTSIDE_THE_WORKFLOW.has(Number(failed.cause)))
          failedTasks.push(
            `${info.workflowId} event ${String(e.eventId)}: ${failed.failure?.message ?? `cause ${String(failed.cause)}`}`,
          );
      }
      for (const secret of [CANARY, CARD_TOKEN_CANARY]) {
        if (text.includes(secret)) leaks.push(`${info.workflowId} (${info.runId}) holds ${secret}`);
      }
    }
    return { workflows, leaks, failedTasks };
  } finally {
    await connection.close();
  }
}
