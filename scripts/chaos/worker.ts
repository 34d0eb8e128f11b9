/**
 * A worker process of the fault run (scripts/chaos.ts): this package's worker on a workflow bundle the
 * run built once, so that a worker restarted after a kill polls again within a second or so.
 */
import { NativeConnection } from '@temporalio/worker';
import { createWorker } from '../../src/worker.js';

const env = process.env;
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await createWorker({
  connection,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  workflowBundle: { codePath: env.CHAOS_WORKFLOW_BUNDLE! },
  swedbankPay: { baseUrl: env.SWEDBANK_PAY_BASE_URL!, token: env.SWEDBANK_PAY_TOKEN!, timeoutMs: 5_000 },
  overrides: { shutdownGraceTime: 1_000 },
});
console.log('chaos worker polling');
await worker.run();
await connection.close();
