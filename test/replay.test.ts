// Determinism guard: every archived history (test/histories, one folder per released workflow
// version; see its README) is replayed against today's workflow code. A change that would break
// payments started by an earlier version fails here, naming the history and the event.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode } from '@temporalio/worker';
import { paymentWorkflowId } from '../src/contract/index.js';
import { tracingWorkflowInterceptorModules, workflowSpanSinks } from '../src/observability/worker-tracing.js';
import { quietBundlerLogger } from '../src/temporal/logging.js';
import { workflowsPath } from '../src/worker.js';
import { workflowBundle } from './harness.js';
import { GATE_ADVICE, replayFailures, type LabelledHistory } from './replay-check.js';

const ARCHIVE = new URL('./histories/', import.meta.url);
const BASELINE = '0.1.0';

type Archived = LabelledHistory;

/** Paths the baseline must cover; later versions add theirs. */
const BASELINE_PATHS = [
  'full-lifecycle',
  'failed-capture',
  'async-cancellation-callback',
  'async-cancellation-polling',
  'commit-then-drop',
  'duplicate-shipment-signal',
  'authorization-expiry',
  'authorization-expiry-flag',
  'authorization-then-capture',
  'authorization-failed',
  'authorization-abandoned',
  'authorization-race',
  'continue-as-new-run-1',
  'continue-as-new-run-2',
  'invoice-capture-cancel',
  'signal-operations',
  'rejected-signals',
  'read-amount-then-abort',
  'token-deleted-on-close',
  'idle-callbacks',
  'messages-before-first-task',
];

interface StoredHistory {
  events: {
    workflowExecutionStartedEventAttributes?: {
      workflowId?: string;
      input?: { payloads?: { data?: string }[] };
    };
  }[];
}

/**
 * The id the workflow ran under (replayed under it, since the workflow checks that its id belongs to
 * its payment): named in the first event, or (time-skipping server) derived from the input's payment.
 */
function workflowIdOf(history: StoredHistory): string {
  const started = history.events[0]?.workflowExecutionStartedEventAttributes;
  if (started?.workflowId) return started.workflowId;
  const data = started?.input?.payloads?.[0]?.data;
  const input = data ? (JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { paymentId?: string }) : {};
  return paymentWorkflowId(String(input.paymentId));
}

function load(dir: URL, version: string): Archived[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as StoredHistory;
      return { label: `${version}/${file.replace(/\.json$/, '')}`, workflowId: workflowIdOf(history), history };
    });
}

/** The whole archive: the baseline at the top of the folder, each later version in its own folder. */
function archive(): Archived[] {
  const versions = readdirSync(ARCHIVE, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return [load(ARCHIVE, BASELINE), ...versions.map((v) => load(new URL(`${v}/`, ARCHIVE), v))].flat();
}

describe('replay of archived payment histories', () => {
  const histories = archive();

  it('the archive holds the baseline paths', () => {
    const baseline = new Set(histories.filter((h) => h.label.startsWith(`${BASELINE}/`)).map((h) => h.label));
    for (const path of BASELINE_PATHS) assert.ok(baseline.has(`${BASELINE}/${path}`), `${path} is archived`);
  });

  it('replays every archived history of every version without a non-determinism error', async () => {
    const { replayed, failures } = await replayFailures(histories, await workflowBundle());
    assert.equal(replayed, histories.length);
    assert.equal(
      failures.length,
      0,
      `${failures.length} archived histories no longer replay:\n  ${failures.join('\n  ')}\n${GATE_ADVICE}`,
    );
  });

  it('replays them all with the OpenTelemetry workflow interceptors bundled in, as a tracing worker runs', async () => {
    // The tracing bundle (lib/workflow-bundle-tracing.js) must give the same commands: its interceptors
    // add spans and headers only. Bundled here from source with the same interceptor module.
    const { code } = await bundleWorkflowCode({
      workflowsPath: workflowsPath(),
      workflowInterceptorModules: tracingWorkflowInterceptorModules(),
      logger: quietBundlerLogger,
    });
    const spans = new InMemorySpanExporter();
    const sinks = workflowSpanSinks({ spanProcessor: new SimpleSpanProcessor(spans), resource: Resource.default() });
    const { replayed, failures } = await replayFailures(histories, { code }, { sinks });
    assert.equal(replayed, histories.length);
    assert.equal(
      failures.length,
      0,
      `${failures.length} archived histories do not replay with tracing:\n  ${failures.join('\n  ')}`,
    );
    assert.equal(spans.getFinishedSpans().length, 0, 'a replay exports no span');
  });
});
