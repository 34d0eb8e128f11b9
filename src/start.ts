/**
 * `npm start`: the local stack on embedded defaults. Temporal dev server (gRPC 7233, Web UI 8233,
 * data kept in .temporal/data so it survives restarts) and a worker, until Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_INSTALL_DIR } from './temporal/binaries.js';
import { installQuietRuntime } from './temporal/logging.js';
import { startDevServer } from './temporal/servers.js';
import { createWorker } from './worker.js';

const GRPC_PORT = Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_DEV_UI_PORT ?? 8233);

async function main(): Promise<void> {
  installQuietRuntime();
  const dataDir = join(LOCAL_INSTALL_DIR, 'data');
  mkdirSync(dataDir, { recursive: true });
  const log = (line: string) => console.log(line);
  const env = await startDevServer({
    port: GRPC_PORT,
    uiPort: UI_PORT,
    dbFilename: join(dataDir, 'dev-server.db'),
    log,
  });
  try {
    const worker = await createWorker({ connection: env.nativeConnection });
    log(`Temporal gRPC:   127.0.0.1:${GRPC_PORT} (namespace default)`);
    log(`Temporal Web UI: http://localhost:${UI_PORT}`);
    log(`Worker:          polling task queue ${worker.options.taskQueue}`);
    log('Press Ctrl-C to stop.');
    await worker.run(); // returns once SIGINT/SIGTERM has drained the worker
    log('Worker stopped; stopping the dev server.');
  } finally {
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
