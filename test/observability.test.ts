// What an on-call engineer sees of a payments worker, on real parts: the production worker runs as its
// own process (`node src/worker.ts`, configured by its environment as in production, so that it can
// install its own Temporal runtime), with its Prometheus endpoint, OTLP tracing to a small collector
// in this process, and JSON logs on its standard output; the emulator plays Swedbank Pay over HTTP.
//
// - metrics: after a lifecycle with one capture declined at Swedbank Pay, one cancellation whose outcome
//   is unknown for a while and one token deletion Swedbank Pay refuses, the worker's endpoint shows
//   exactly those counts, the open and flagged payments from visibility, and the SDK's own metrics;
//   the callback receiver's endpoint counts its answers;
// - traces: one trace runs from the OMS's call through the workflow and the activity to the HTTP
//   request to Swedbank Pay;
// - logs: every line is JSON, the workflow's and activities' lines carry the payment's ids, and no
//   line holds a token.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startCallbackMetrics, type CallbackMetricsServer } from '../src/callbacks/observability.js';
import { startCallbackServer, type RunningCallbackServer } from '../src/callbacks/server.js';
import { PaymentsClient } from '../src/client/payments-client.js';
import { tracingClientInterceptors } from '../src/client/tracing.js';
import type { PaymentWorkflowInput } from '../src/contract/index.js';
import { startTracing, type Tracing } from '../src/observability/tracing.js';
import { eventually, temporal, uniqueTaskQueue } from './harness.js';
import { FAST_POLICY, usePaymentFixture } from './payment-fixture.js';
import { CANARY, TEST_TOKEN } from './secrets.js';
import { freePort } from '../scripts/production-shape/processes.js';

const WORKER = new URL('../src/worker.ts', import.meta.url).pathname;

/** A card token that must never show in a log line or a span beyond its last four characters. */
const PAYMENT_TOKEN = `${CANARY}-card-7d41`;

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}

/** A tiny OTLP/HTTP (JSON) trace receiver on loopback: what a collector would get. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; bodies: string[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      try {
        const request = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
        };
        for (const resource of request.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, bodies, server };
}

/** `name{a="x",b="y"} value` lines of a Prometheus scrape, as a lookup by name and labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]] as [string, string]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total = (total ?? 0) + Number(match[4]);
  }
  return total;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  return response.text();
}

describe('observability: metrics, traces and logs of a payments worker', () => {
  const fx = usePaymentFixture(temporal);
  const taskQueue = uniqueTaskQueue('observability');
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let receiver: RunningCallbackServer;
  let receiverMetrics: CallbackMetricsServer;
  let worker: ChildProcess;
  let output = '';
  let workerMetricsUrl: string;
  let tracing: Tracing;
  let payments: PaymentsClient;
  const paymentIds: string[] = [];

  before(async () => {
    collector = await startCollector();
    // The OMS side of the trace: this process, with the package's tracing and the client interceptor.
    tracing = startTracing({
      serviceName: 'oms-test',
      exporter: new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }),
    });
    const client = new Client({
      connection: fx.env.connection,
      namespace: fx.env.namespace ?? 'default',
      interceptors: { workflow: await tracingClientInterceptors() },
    });
    payments = new PaymentsClient({ client, taskQueue });
    receiverMetrics = await startCallbackMetrics('127.0.0.1:0');
    receiver = await startCallbackServer({ client: fx.env.client, port: 0, metrics: receiverMetrics.metrics });

    const metricsPort = await freePort();
    workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    worker = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TEMPORAL_ADDRESS: fx.env.address,
        TEMPORAL_NAMESPACE: fx.env.namespace ?? 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        SWEDBANK_PAY_BASE_URL: fx.emulator.baseUrl,
        SWEDBANK_PAY_TOKEN: TEST_TOKEN,
        WORKER_SHUTDOWN_GRACE_MS: '5000',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        WORKER_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
        WORKER_METRICS_VISIBILITY_POLL_MS: '1000',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    // Bundling the workflows with the tracing interceptors at start takes a few seconds from source.
    await eventually(() => (output.includes('worker started') ? true : undefined), {
      attempts: 600,
      intervalMs: 200,
      what: () => `the worker's start (output so far: ${output.slice(-2000)})`,
    });
  });

  after(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
    await receiver?.close();
    await receiverMetrics?.close();
    await tracing?.shutdown();
    await new Promise<void>((resolve) => (collector ? collector.server.close(() => resolve()) : resolve()));
    await payments?.close();
  });

  /** An authorized card payment at the emulator, tracked by the OMS client (whose call starts a trace). */
  async function newPayment(orderId: string, policy = {}, paymentToken?: string): Promise<PaymentWorkflowInput> {
    const created = await fx.admin.createPayment({
      instrument: 'creditcard',
      amount: 100_000,
      vatAmount: 20_000,
      currency: 'SEK',
      callbackUrl: receiver.url,
      ...(paymentToken && { paymentToken }),
    });
    const input: PaymentWorkflowInput = {
      paymentId: created.payment.id,
      orderId,
      currency: 'SEK',
      authorizedAmount: 100_000,
      // The worker reads the token from the payment's authorization: the input names its type only.
      ...(paymentToken && { paymentToken: { type: 'PaymentToken' as const } }),
      policy: { ...FAST_POLICY, ...policy },
    };
    paymentIds.push(input.paymentId);
    await payments.track(input);
    return input;
  }

  it('counts operations, requests, unknown outcomes and flagged payments on the worker endpoint', async (t) => {
    // Payment 1 stays open, flagged: its first capture is declined; its card token is deleted.
    const first = await newPayment(`order-obs-1-${process.pid}`, {}, PAYMENT_TOKEN);
    await fx.admin.setOutcomes([
      { operation: 'capture', outcome: 'Failed', failedReason: 'Declined by acquirer', times: 1 },
    ]);
    const declined = await payments.capture(first.paymentId, { amount: 30_000, vatAmount: 6_000, reference: 'S1' });
    assert.equal(declined.state, 'Failed');
    const captured = await payments.capture(first.paymentId, { amount: 30_000, vatAmount: 6_000, reference: 'S2' });
    assert.equal(captured.state, 'Completed');
    const deletion = await payments.deleteToken(first.paymentId, { reference: 'token' });
    assert.equal(deletion.state, 'Completed');

    // Payment 2 closes: a capture, then a cancellation whose outcome is unknown until the emulator
    // settles it (a callback or a poll), then nothing is left to reverse after a 1 ms window.
    const second = await newPayment(`order-obs-2-${process.pid}`, { reversalWindowMs: 1 });
    assert.equal(
      (await payments.capture(second.paymentId, { amount: 40_000, vatAmount: 8_000, reference: 'S1' })).state,
      'Completed',
    );
    await fx.admin.setOutcomes([{ operation: 'cancellation', outcome: 'Completed', delayMs: 300, times: 1 }]);
    assert.equal((await payments.cancel(second.paymentId, { reference: 'closed' })).state, 'Completed');

    const expected: [string, Record<string, string>, number][] = [
      ['swedbank_pay_operations_total', { operation: 'capture', result: 'failed' }, 1],
      ['swedbank_pay_operations_total', { operation: 'capture', result: 'completed' }, 2],
      ['swedbank_pay_operations_total', { operation: 'cancellation', result: 'completed' }, 1],
      ['swedbank_pay_operations_total', { operation: 'delete-token', result: 'completed' }, 1],
      ['swedbank_pay_outcome_unknown_total', { operation: 'cancellation' }, 1],
      ['swedbank_pay_outcome_unknown_duration_seconds_count', { operation: 'cancellation', result: 'completed' }, 1],
      ['swedbank_pay_request_duration_seconds_count', { operation: 'create-capture' }, 3],
      ['swedbank_pay_request_duration_seconds_count', { operation: 'create-cancellation' }, 1],
      ['swedbank_pay_request_duration_seconds_count', { operation: 'delete-token', status: '200' }, 1],
      // From visibility: payment 1 is open and flagged; payment 2 has closed.
      ['swedbank_pay_payments_open', { task_queue: taskQueue }, 1],
      ['swedbank_pay_payments_needing_attention', { task_queue: taskQueue }, 1],
    ];
    let text = '';
    const mismatches = () =>
      expected
        .map(([name, labels, value]) => [name, labels, value, sample(text, name, labels)] as const)
        .filter(([, , value, got]) => got !== value);
    await eventually(
      async () => {
        text = await scrape(workerMetricsUrl);
        return mismatches().length === 0 ? true : undefined;
      },
      { attempts: 100, intervalMs: 200, what: () => `metrics as expected: ${JSON.stringify(mismatches())}` },
    );
    // The SDK's own worker metrics come out of the same endpoint.
    for (const name of [
      'temporal_activity_execution_latency_count',
      'temporal_workflow_task_execution_latency_count',
    ]) {
      assert.ok((sample(text, name, { task_queue: taskQueue }) ?? 0) > 0, `${name} on the endpoint`);
    }
    const ours = text.split('\n').filter((line) => line.startsWith('swedbank_pay_') && !line.includes('_bucket{'));
    t.diagnostic(`worker metrics (${workerMetricsUrl}):\n${ours.join('\n')}`);
    const sdk = new Set(
      text.split('\n').flatMap((line) => /^(temporal_\w+?)(_bucket|_sum|_count)?[{ ]/.exec(line)?.[1] ?? []),
    );
    t.diagnostic(`and the SDK's: ${[...sdk].sort().join(' ')}`);

    const callbacks = await scrape(receiverMetrics.url);
    const malformed = await fetch(receiver.url, { method: 'POST', body: 'not json' });
    assert.equal(malformed.status, 400);
    const after = await scrape(receiverMetrics.url);
    assert.ok((sample(callbacks, 'swedbank_pay_callbacks_total', { outcome: 'signalled', status: '200' }) ?? 0) >= 1);
    assert.equal(
      (sample(after, 'swedbank_pay_callbacks_total', { outcome: 'malformed', status: '400' }) ?? 0) -
        (sample(callbacks, 'swedbank_pay_callbacks_total', { outcome: 'malformed', status: '400' }) ?? 0),
      1,
    );
    t.diagnostic(
      `callback receiver metrics (${receiverMetrics.url}):\n${after
        .split('\n')
        .filter((line) => line.startsWith('swedbank_pay_callbacks_total'))
        .join('\n')}`,
    );
  });

  it('stops on SIGTERM and sends its spans: one trace from the OMS call to the HTTP request', async (t) => {
    worker.kill('SIGTERM');
    const [code] = (await once(worker, 'exit')) as [number | null];
    assert.equal(code, 0, output.slice(-3000));
    await tracing.spanProcessor.forceFlush();

    const spans = collector.spans;
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    // The HTTP request of payment 2's capture, and its ancestors.
    const attribute = (s: OtlpSpan, key: string) => s.attributes?.find((a) => a.key === key)?.value;
    const request = spans.find(
      (s) =>
        s.name === 'POST create-capture' &&
        JSON.stringify(attribute(s, 'url.path') ?? '').includes(paymentIds[1]!.split('/').pop()!),
    );
    assert.ok(request, `the capture's HTTP span among ${spans.map((s) => s.name).join(', ')}`);
    const chain: OtlpSpan[] = [request];
    for (let span = request; span.parentSpanId && byId.has(span.parentSpanId);) {
      span = byId.get(span.parentSpanId)!;
      chain.push(span);
    }
    const names = chain.map((s) => s.name);
    t.diagnostic(`trace ${request.traceId}: ${names.join(' <- ')}`);
    assert.deepEqual(names, [
      'POST create-capture',
      'RunActivity:createTransaction',
      'StartActivity:createTransaction',
      'RunWorkflow:swedbankPayPayment',
      'StartWorkflow:swedbankPayPayment',
    ]);
    assert.ok(
      chain.every((s) => s.traceId === request.traceId),
      'one trace',
    );
    assert.equal(chain.at(-1)!.parentSpanId ?? '', '', 'the OMS call starts the trace');
    assert.equal(
      collector.bodies.some((body) => body.includes(CANARY)),
      false,
      'no token in any span',
    );
  });

  it('logs JSON lines with the payment, order, operation and payeeReference, and never a token', (t) => {
    assert.doesNotMatch(output, new RegExp(CANARY), 'no bearer token and no card token in the log');
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`not a JSON line: ${line}`);
      }
    });
    const first = paymentIds[0]!;
    const ofFirst = entries.filter((e) => e.paymentId === first);
    const workflowLines = ofFirst.filter((e) => e.sdkComponent === 'workflow');
    const activityLines = ofFirst.filter((e) => e.sdkComponent === 'activity');
    for (const message of [
      /^capture queued/,
      /sending to Swedbank Pay/,
      /^capture settled: Failed/,
      /^payment flagged/,
      /^capture settled: Completed/,
    ]) {
      assert.ok(
        workflowLines.some((e) => message.test(String(e.msg))),
        `a workflow line ${message}: ${JSON.stringify(workflowLines.map((e) => e.msg))}`,
      );
    }
    for (const entry of workflowLines) assert.equal(entry.orderId, `order-obs-1-${process.pid}`);
    const captureLines = [...workflowLines, ...activityLines].filter((e) => e.operation === 'capture');
    assert.ok(captureLines.length >= 6, 'capture lines of the workflow and the activity');
    for (const entry of captureLines) assert.match(String(entry.payeeReference), /^C[a-z0-9]+$/);
    assert.ok(
      activityLines.some((e) => e.operation === 'capture' && e.orderId === `order-obs-1-${process.pid}`),
      'the activity knows the order',
    );
    const unknown = entries.find((e) => e.paymentId === paymentIds[1] && /outcome unknown/.test(String(e.msg)));
    assert.ok(unknown, 'the unknown outcome of payment 2 is logged');
    assert.ok(
      entries.some((e) => e.tokenLast4 === '…7d41'),
      'the card token shows by its last four characters only',
    );
    const sample = [...workflowLines, ...activityLines]
      .filter((e) => e.operation === 'capture')
      .slice(0, 8)
      .map((e) => JSON.stringify(e));
    t.diagnostic(
      `worker log lines (${lines.length} in all, JSON), payment 1's first capture lines:\n${sample.join('\n')}`,
    );
  });
});
