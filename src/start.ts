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
import { startEmulator } from './emulator/index.js';
import { EmulatorAdmin } from './emulator/admin-client.js';
import { runDemoOrder } from './demo.js';

const GRPC_PORT = Number(process.env.TEMPORAL_DEV_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_DEV_UI_PORT ?? 8233);
const EMULATOR_PORT = Number(process.env.SWEDBANK_PAY_EMULATOR_PORT ?? 8088);
/** The embedded emulator's token: a local stand-in, not a secret. */
const EMULATOR_TOKEN = 'local-emulator-token';

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
  // Swedbank Pay: the configured API, or the project's emulator on loopback.
  const emulator = process.env.SWEDBANK_PAY_BASE_URL
    ? undefined
    : await startEmulator({ port: EMULATOR_PORT, token: EMULATOR_TOKEN });
  try {
    const swedbankPay = emulator
      ? { baseUrl: emulator.baseUrl, token: EMULATOR_TOKEN }
      : { baseUrl: process.env.SWEDBANK_PAY_BASE_URL, token: process.env.SWEDBANK_PAY_TOKEN ?? '' };
    const worker = await createWorker({ connection: env.nativeConnection, swedbankPay });
    log(`Temporal gRPC:   127.0.0.1:${GRPC_PORT} (namespace default)`);
    log(`Temporal Web UI: http://localhost:${UI_PORT}`);
    log(
      `Swedbank Pay:    ${emulator ? `emulator at ${emulator.baseUrl} (admin API ${emulator.baseUrl}/_emulator)` : swedbankPay.baseUrl}`,
    );
    log(`Worker:          polling task queue ${worker.options.taskQueue}`);
    const running = worker.run(); // resolves once SIGINT/SIGTERM has drained the worker
    if (emulator) {
      await runDemoOrder({
        client: env.client,
        admin: new EmulatorAdmin(emulator.baseUrl),
        taskQueue: worker.options.taskQueue,
        webUiUrl: `http://localhost:${UI_PORT}`,
        log,
      }).catch((err: unknown) => log(`demo order failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    log('Press Ctrl-C to stop.');
    await running;
    log('Worker stopped; stopping the dev server.');
  } finally {
    await emulator?.close();
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
