// A stand-in for the Temporal client PaymentsClient takes: it records what would have reached the
// server (signals, updates, starts, queries) and answers with what the test gives it.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { PaymentsClient } from '../../src/client/payments-client.js';

export interface Sent {
  call: string;
  workflowId?: string;
  args?: unknown[];
}

export interface StubbedClient {
  payments: PaymentsClient;
  /** Everything sent to the server, in order. */
  sent: Sent[];
  /** Visibility queries `list` made, with their page size. */
  listed: { query: string; pageSize?: number }[];
}

/** A client whose workflows all run and accept everything; `listing` is what visibility holds. */
export function stubbedClient(listing: WorkflowExecutionInfo[] = []): StubbedClient {
  const sent: Sent[] = [];
  const listed: { query: string; pageSize?: number }[] = [];
  const handle = (workflowId: string) => ({
    workflowId,
    signal: async (_def: unknown, ...args: unknown[]) => void sent.push({ call: 'signal', workflowId, args }),
    executeUpdate: async (_def: unknown, options: { args: unknown[] }) => {
      sent.push({ call: 'update', workflowId, args: options.args });
      return { operationId: 1, kind: 'capture', state: 'Completed' };
    },
    query: async (_def: unknown, ...args: unknown[]) => {
      sent.push({ call: 'query', workflowId, args });
      return {};
    },
    describe: async () => ({ status: { name: 'RUNNING' } }),
  });
  const workflow = {
    getHandle: handle,
    start: async (_type: string, options: { workflowId: string }) =>
      void sent.push({ call: 'start', workflowId: options.workflowId }),
    signalWithStart: async (_type: string, options: { workflowId: string; signalArgs: unknown[] }) =>
      void sent.push({ call: 'signalWithStart', workflowId: options.workflowId, args: options.signalArgs }),
    executeUpdateWithStart: async (_def: unknown, options: { args: unknown[] }) => {
      sent.push({ call: 'updateWithStart', args: options.args });
      return { operationId: 1, kind: 'capture', state: 'Completed' };
    },
    list: (options: { query: string; pageSize?: number }) => {
      listed.push(options);
      return (async function* () {
        yield* listing;
      })();
    },
  };
  const payments = new PaymentsClient({ client: { workflow } as unknown as Client });
  return { payments, sent, listed };
}
