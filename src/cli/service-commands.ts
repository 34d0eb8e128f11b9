/** The long-running services: worker, callback receiver, emulator. Each stops cleanly on SIGINT/SIGTERM. */
import { callbackReceiverConfigFromEnv } from '../callbacks/config.js';
import { codecServerConfigFromEnv, DEFAULT_CODEC_PORT } from '../codec/config.js';
import { startCodecServer } from '../codec/server.js';
import { startCallbackMetrics } from '../callbacks/observability.js';
import { startCallbackServer } from '../callbacks/server.js';
import { tracingClientInterceptors } from '../client/tracing.js';
import { connectClient } from '../config/connect.js';
import { readAll } from '../config/index.js';
import { callbackMetricsAddressFromEnv, tracingFromEnv } from '../config/observability.js';
import { temporalSettingsFromEnv } from '../config/temporal.js';
import { DEFAULT_SEED, startEmulator } from '../emulator/server.js';
import { createLogger, logSettingsFromEnv, temporalLogger, type LogSettings } from '../observability/logger.js';
import { runWorkerFromEnv } from '../worker.js';
import { portOption, stringOption, UsageError, untilSignal, type Command } from './command.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a worker: payment workflows and their Swedbank Pay activities',
  options: {},
  help: `Usage: swedbank-pay-temporal worker

Runs payment workflows and their activities until SIGINT or SIGTERM; then it stops polling and gives
in-flight activities WORKER_SHUTDOWN_GRACE_MS to finish (one cut off is retried later and finds its
transaction by payeeReference, so nothing is sent twice). Refuses to start, naming every problem,
when the configuration is invalid.

Environment:
  TEMPORAL_ADDRESS            default localhost:7233
  TEMPORAL_NAMESPACE          default "default"
  TEMPORAL_API_KEY            Temporal Cloud API key (turns TLS on)
  TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
  TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE   (Temporal's envconfig)
  TEMPORAL_TASK_QUEUE         default swedbank-pay
  SWEDBANK_PAY_BASE_URL       default https://api.externalintegration.payex.com (production: https://api.payex.com)
  SWEDBANK_PAY_TOKEN          the merchant's bearer token (required; never printed)
  SWEDBANK_PAY_TOKEN_FILE     or a file holding it (a mounted secret)
  SWEDBANK_PAY_TIMEOUT_MS     per request, default 30000
  PAYLOAD_ENCRYPTION_KEYS     id=base64key,...: encrypt payloads (or PAYLOAD_ENCRYPTION_KEYS_FILE)
  SWEDBANK_PAY_ALLOW_HTTP     "true" allows a plain-http base URL that is not loopback (an emulator)
  WORKER_SHUTDOWN_GRACE_MS    default 30000
  WORKER_MEMORY_MB            the worker's memory in MiB, which sizes its workflow cache and task slots
                              (default: the container's memory limit, else 1024)
  WORKER_MAX_CACHED_WORKFLOWS, WORKER_MAX_CONCURRENT_WORKFLOW_TASKS   override what it derives
  LOG_FORMAT, LOG_LEVEL       json (default) or pretty; trace, debug, info (default), warn, error, silent
  WORKER_METRICS_ADDRESS      host:port for a Prometheus endpoint at /metrics (e.g. 0.0.0.0:9464); default none
  WORKER_METRICS_VISIBILITY_POLL_MS   how often open and flagged payments are counted (default 60000; 0: never)
  OTEL_EXPORTER_OTLP_ENDPOINT traces exported by OTLP/HTTP when set (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_*)
`,
  run: () => runWorkerFromEnv(),
};

export const callbacksCommand: Command = {
  name: 'callbacks',
  summary: "Run the callback receiver: Swedbank Pay's callbacks become signals to payment workflows",
  options: {},
  help: `Usage: swedbank-pay-temporal callbacks

An HTTP endpoint for Swedbank Pay's callbacks (set it as each payment's callbackUrl). It validates each
body, optionally checks the sender against an IP allowlist, and signals the payment's workflow; an
unknown payment gets 404 so Swedbank Pay retries. GET /healthz answers 200.

Environment:
  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE   as for the worker
  SWEDBANK_PAY_CALLBACK_HOST         default 127.0.0.1 (0.0.0.0 in a container)
  SWEDBANK_PAY_CALLBACK_PORT         default 8089
  SWEDBANK_PAY_CALLBACK_PATH         default /callbacks
  SWEDBANK_PAY_CALLBACK_ALLOWED_IPS  comma-separated addresses and CIDR ranges (unset or empty: any sender)
  SWEDBANK_PAY_CALLBACK_TRUST_PROXY  reverse proxies in front whose X-Forwarded-For is trusted (default 0)
  SWEDBANK_PAY_CALLBACK_METRICS_ADDRESS  host:port for a Prometheus endpoint at /metrics (e.g. 0.0.0.0:9465)
  LOG_FORMAT, LOG_LEVEL              json (default) or pretty; info (default), debug, warn, …
  OTEL_EXPORTER_OTLP_ENDPOINT        signals carry traces, exported by OTLP/HTTP, when set
`,
  async run() {
    const [config, settings, logging, metricsAddress] = readAll(
      () => callbackReceiverConfigFromEnv(),
      () => temporalSettingsFromEnv(),
      () => logSettingsFromEnv(process.env, SERVICE_LOG_DEFAULTS),
      () => callbackMetricsAddressFromEnv(),
    );
    const logger = createLogger({ ...logging, service: 'callbacks' });
    const tracing = tracingFromEnv()
      ? (await import('../observability/tracing.js')).startTracing({ serviceName: 'swedbank-pay-callbacks' })
      : undefined;
    const metrics = metricsAddress === undefined ? undefined : await startCallbackMetrics(metricsAddress);
    const temporal = await connectClient(settings, {
      workflowInterceptors: tracing ? await tracingClientInterceptors() : [],
    });
    try {
      const server = await startCallbackServer({
        client: temporal.client,
        port: config.port,
        host: config.host,
        path: config.path,
        ...(config.allowedIps !== undefined && { allowedIps: config.allowedIps }),
        trustProxy: config.trustProxy,
        logger: temporalLogger(logger),
        ...(metrics && { metrics: metrics.metrics }),
      });
      logger.info(
        `callback receiver at ${server.url} (${temporal.settings.description}; ` +
          `${config.allowedIps ? `senders ${config.allowedIps.join(', ')}` : 'any sender'}; ` +
          `${metrics ? `metrics at ${metrics.url}` : 'no metrics endpoint'}; ${tracing ? 'traces exported by OTLP' : 'no tracing'})`,
      );
      const signal = await untilSignal();
      logger.info(`${signal}: stopping the callback receiver`);
      await server.close();
    } finally {
      await temporal.close();
      await metrics?.close();
      await tracing?.shutdown();
    }
  },
};

export const codecServerCommand: Command = {
  name: 'codec-server',
  summary: 'Run the codec server: the Web UI and the temporal CLI show encrypted payloads decoded',
  options: {},
  help: `Usage: swedbank-pay-temporal codec-server

Decodes payloads encrypted with PAYLOAD_ENCRYPTION_KEYS for the Temporal Web UI (its codec endpoint
setting) and the temporal CLI (--codec-endpoint http://host:port --codec-auth "Bearer <token>").
POST /decode and /encode; GET /healthz.

Environment:
  PAYLOAD_ENCRYPTION_KEYS       id=base64key,...: the worker's keys (or PAYLOAD_ENCRYPTION_KEYS_FILE)
  CODEC_SERVER_HOST             default 127.0.0.1
  CODEC_SERVER_PORT             default ${DEFAULT_CODEC_PORT}
  CODEC_SERVER_ALLOWED_ORIGINS  Web UI origins (default http://localhost:8233,http://127.0.0.1:8233)
  CODEC_SERVER_TOKEN            bearer token every request must carry (or CODEC_SERVER_TOKEN_FILE);
                                required beyond loopback. Without it, only the allowed origins' browsers
`,
  async run() {
    const config = codecServerConfigFromEnv();
    const server = await startCodecServer(config);
    console.log(
      `codec server at ${server.url} (key ${config.codec.currentKeyId} for new payloads; ` +
        `${config.token ? 'bearer token required' : `browsers from ${config.allowedOrigins.join(', ')}`})`,
    );
    const signal = await untilSignal();
    console.log(`${signal}: stopping the codec server`);
    await server.close();
  },
};
/** The services' logs: JSON lines from info up, unless LOG_FORMAT and LOG_LEVEL say otherwise. */
const SERVICE_LOG_DEFAULTS: LogSettings = { format: 'json', level: 'info' };

export const emulatorCommand: Command = {
  name: 'emulator',
  summary: 'Run the Swedbank Pay emulator (for local use, demos and your own CI)',
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'public-url': { type: 'string' },
    seed: { type: 'string' },
    token: { type: 'string' },
  },
  help: `Usage: swedbank-pay-temporal emulator [options]

A stateful Swedbank Pay API (under /psp) with its admin API (under /_emulator): payments, faults,
asynchronous outcomes, callbacks, the ledger. Not for production.

Options:
  --port <n>     default 8088 (0 picks a free port)
  --host <addr>  default 127.0.0.1 (0.0.0.0 in a container)
  --public-url <url>  the origin clients use, for the hrefs in answers (e.g. http://emulator:8088);
                 default the bound address
  --seed <n>     seed of the request and callback faults (default ${DEFAULT_SEED})
  --token <t>    require "Authorization: Bearer <t>" on every /psp request
  -h, --help     show this help

Logs: LOG_FORMAT json (default) or pretty, LOG_LEVEL (default info).
`,
  async run(args) {
    const seedText = stringOption(args, 'seed');
    if (seedText !== undefined && !/^\d{1,9}$/.test(seedText)) throw new UsageError('--seed must be a whole number');
    const token = stringOption(args, 'token');
    const publicBaseUrl = stringOption(args, 'public-url');
    if (publicBaseUrl !== undefined && !URL.canParse(publicBaseUrl)) throw new UsageError('--public-url must be a URL');
    const logger = createLogger({ ...logSettingsFromEnv(process.env, SERVICE_LOG_DEFAULTS), service: 'emulator' });
    const emulator = await startEmulator({
      port: portOption(args, 'port', 8088),
      host: stringOption(args, 'host') ?? '127.0.0.1',
      seed: seedText === undefined ? DEFAULT_SEED : Number(seedText),
      ...(token !== undefined && { token }),
      ...(publicBaseUrl !== undefined && { publicBaseUrl }),
    });
    logger.info(`Swedbank Pay emulator: ${emulator.baseUrl}${token ? ' (bearer token required)' : ''}`);
    logger.info(`Admin API:             ${emulator.baseUrl}/_emulator`);
    const signal = await untilSignal();
    logger.info(`${signal}: stopping the emulator`);
    await emulator.close();
  },
};
