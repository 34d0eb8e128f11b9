/**
 * `dev`: the whole local stack on embedded defaults: Temporal dev server with Web UI (data kept in
 * .temporal/data), the Swedbank Pay emulator, the callback receiver and a worker, until Ctrl-C.
 * `demo`: the demo orders, against the dev stack (or any stack with the emulator).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCallbackServer } from '../callbacks/server.js';
import { PaymentsClient } from '../client/payments-client.js';
import { runDemoOrders } from '../demo.js';
import { EmulatorAdmin } from '../emulator/admin-client.js';
import { startEmulator } from '../emulator/index.js';
import { LOCAL_INSTALL_DIR } from '../temporal/binaries.js';
import { workerObservabilityFromEnv } from '../config/observability.js';
import { createLogger, logSettingsFromEnv, temporalLogger } from '../observability/logger.js';
import { installRuntime } from '../temporal/logging.js';
import { startDevServer } from '../temporal/servers.js';
import { createWorker, prebuiltWorkflowBundlePath } from '../worker.js';
import { portOption, stringOption, UsageError, type Command } from './command.js';
import { withPayments } from './payment-commands.js';

/** The emulator's token in the local stack: a stand-in, not a secret. */
const EMULATOR_TOKEN = 'local-emulator-token';

const DEV_OPTIONS = {
  port: { type: 'string' },
  'ui-port': { type: 'string' },
  'emulator-port': { type: 'string' },
  'callback-port': { type: 'string' },
  demo: { type: 'boolean' },
} as const;

export const devCommand: Command = {
  name: 'dev',
  summary: 'Run the local stack: dev server with Web UI, emulator, callback receiver, worker',
  options: DEV_OPTIONS,
  help: `Usage: swedbank-pay-temporal dev [options]

Starts, on embedded defaults and bound to 127.0.0.1: the Temporal dev server (data kept in
.temporal/data), its Web UI, the Swedbank Pay emulator, the callback receiver and a worker. Runs until
Ctrl-C (or SIGTERM), then drains the worker and stops everything.

Options:
  --port <n>           Temporal gRPC port (default 7233, or TEMPORAL_DEV_PORT)
  --ui-port <n>        Web UI port (default 8233, or TEMPORAL_DEV_UI_PORT)
  --emulator-port <n>  emulator port (default 8088, or SWEDBANK_PAY_EMULATOR_PORT)
  --callback-port <n>  callback receiver port (default 8089, or SWEDBANK_PAY_CALLBACK_PORT)
  --demo               run the demo orders once everything is up (npm start does)
  -h, --help           show this help

Logs of the worker and the callback receiver: LOG_FORMAT pretty (default) or json, LOG_LEVEL (default
warn; info shows every payment decision). WORKER_METRICS_ADDRESS (e.g. 127.0.0.1:9464) serves the
worker's Prometheus metrics; OTEL_EXPORTER_OTLP_ENDPOINT exports traces.
`,
  async run(args) {
    const env = process.env;
    const grpcPort = portOption(args, 'port', Number(env.TEMPORAL_DEV_PORT ?? 7233));
    const uiPort = portOption(args, 'ui-port', Number(env.TEMPORAL_DEV_UI_PORT ?? 8233));
    const emulatorPort = portOption(args, 'emulator-port', Number(env.SWEDBANK_PAY_EMULATOR_PORT ?? 8088));
    const callbackPort = portOption(args, 'callback-port', Number(env.SWEDBANK_PAY_CALLBACK_PORT ?? 8089));
    // People read this stack: readable lines, and only warnings unless LOG_LEVEL asks for more.
    const logging = logSettingsFromEnv(env, { format: 'pretty', level: 'warn' });
    const observability = workerObservabilityFromEnv(env);
    const logger = createLogger({ ...logging, service: 'dev' });
    installRuntime({
      logger: temporalLogger(logger),
      coreErrorsOnly: !['trace', 'debug', 'info'].includes(logging.level),
      ...(observability.metricsBindAddress !== undefined && { metricsBindAddress: observability.metricsBindAddress }),
    });
    const tracing = observability.tracing
      ? (await import('../observability/tracing.js')).startTracing({ serviceName: 'swedbank-pay-dev' })
      : undefined;
    const log = (line: string) => console.log(line);
    const dataDir = join(LOCAL_INSTALL_DIR, 'data');
    mkdirSync(dataDir, { recursive: true });
    log('starting the Temporal dev server…');
    const server = await startDevServer({ port: grpcPort, uiPort, dbFilename: join(dataDir, 'dev-server.db'), log });
    const closers: (() => Promise<void>)[] = [async () => tracing?.shutdown(), () => server.teardown()];
    try {
      const emulator = await startEmulator({ port: emulatorPort, token: EMULATOR_TOKEN });
      closers.unshift(() => emulator.close());
      const receiver = await startCallbackServer({
        client: server.client,
        port: callbackPort,
        logger: temporalLogger(logger.child({ service: 'callbacks' })),
      });
      closers.unshift(() => receiver.close());
      log(prebuiltWorkflowBundlePath() ? 'starting the worker…' : 'bundling the workflows and starting the worker…');
      const worker = await createWorker({
        connection: server.nativeConnection,
        swedbankPay: { baseUrl: emulator.baseUrl, token: EMULATOR_TOKEN },
        ...(tracing && { tracing }),
      });
      const webUiUrl = `http://localhost:${uiPort}`;
      log(`Temporal gRPC:     127.0.0.1:${grpcPort} (namespace default)`);
      log(`Temporal Web UI:   ${webUiUrl}`);
      log(`Swedbank Pay:      emulator at ${emulator.baseUrl} (admin API ${emulator.baseUrl}/_emulator)`);
      log(`Callbacks:         ${receiver.url}`);
      log(`Worker:            polling task queue ${worker.options.taskQueue}`);
      if (observability.metricsBindAddress !== undefined) {
        log(`Metrics:           http://${observability.metricsBindAddress}/metrics`);
      }
      const running = worker.run(); // resolves once SIGINT/SIGTERM has drained the worker
      if (args.values.demo) {
        const payments = new PaymentsClient({ client: server.client, taskQueue: worker.options.taskQueue });
        await runDemoOrders({
          payments,
          admin: new EmulatorAdmin(emulator.baseUrl),
          callbackUrl: receiver.url,
          webUiUrl,
          namespace: 'default',
          log,
        }).catch((err: unknown) => log(`demo failed: ${err instanceof Error ? err.message : String(err)}`));
      }
      log('Ready. Press Ctrl-C to stop.');
      await running;
      log('worker drained; stopping the callback receiver, the emulator and the dev server');
    } finally {
      for (const close of closers) await close();
    }
  },
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the demo orders against a running stack with the emulator',
  options: { emulator: { type: 'string' }, 'callback-url': { type: 'string' }, 'web-ui': { type: 'string' } },
  help: `Usage: swedbank-pay-temporal demo [options]

Runs the demo orders (a payment order paid by card: 1000.00 SEK, two shipments, the order closed, a
return, the tokens deleted; a Swish payment order: a sale, then a return; a legacy card payment)
through the OMS client API against a running stack whose worker talks to the emulator
(e.g. \`swedbank-pay-temporal dev\`), printing each step and Web UI link.

Options:
  --emulator <url>      the emulator (default http://127.0.0.1:8088)
  --callback-url <url>  the callback receiver, set as each payment's callbackUrl
                        (default http://127.0.0.1:8089/callbacks)
  --web-ui <url>        the Temporal Web UI, for links (default http://localhost:8233)
  -h, --help            show this help

Temporal connection as for every command: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, … (envconfig).
`,
  async run(args) {
    const emulatorUrl = stringOption(args, 'emulator') ?? 'http://127.0.0.1:8088';
    const callbackUrl = stringOption(args, 'callback-url') ?? 'http://127.0.0.1:8089/callbacks';
    for (const [name, url] of [
      ['emulator', emulatorUrl],
      ['callback-url', callbackUrl],
    ]) {
      if (!URL.canParse(url!)) throw new UsageError(`--${name} must be a URL`);
    }
    await withPayments((payments) =>
      runDemoOrders({
        payments,
        admin: new EmulatorAdmin(emulatorUrl),
        callbackUrl,
        webUiUrl: stringOption(args, 'web-ui') ?? 'http://localhost:8233',
        namespace: payments.client.options.namespace,
        log: (line) => console.log(line),
      }),
    );
  },
};
