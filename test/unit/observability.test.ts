// Structured logs and the activities' correlation fields, without a server: the settings, the JSON
// and pretty lines, the secrets that never reach a line, and the ids an activity's lines carry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/config/errors.js';
import { bindAddressProblems, tracingFromEnv, workerObservabilityFromEnv } from '../../src/config/observability.js';
import { paymentFieldsOf } from '../../src/observability/activity-context.js';
import {
  createLogger,
  logSettingsFromEnv,
  neverLog,
  prettyLine,
  temporalLogger,
} from '../../src/observability/logger.js';
import { CANARY } from '../secrets.js';

function capture(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const logger = createLogger({
    format,
    level: 'debug',
    service: 'test',
    destination: { write: (l) => lines.push(l) },
  });
  return { logger, lines };
}

describe('structured logs', () => {
  it('reads LOG_FORMAT and LOG_LEVEL, with defaults, and names a wrong value', () => {
    assert.deepEqual(logSettingsFromEnv({}, { format: 'json', level: 'info' }), { format: 'json', level: 'info' });
    assert.deepEqual(
      logSettingsFromEnv({ LOG_FORMAT: 'Pretty', LOG_LEVEL: 'DEBUG' }, { format: 'json', level: 'info' }),
      {
        format: 'pretty',
        level: 'debug',
      },
    );
    assert.throws(
      () => logSettingsFromEnv({ LOG_FORMAT: 'xml', LOG_LEVEL: 'loud' }, { format: 'json', level: 'info' }),
      (err: unknown) => err instanceof ConfigurationError && err.problems.length === 2,
    );
  });

  it('writes one JSON object a line, with the SDK metadata as fields and without the task token', () => {
    const { logger, lines } = capture();
    temporalLogger(logger).warn('Activity failed', {
      workflowId: 'swedbank-pay-creditcard-1',
      taskToken: 'AAAA',
      [Symbol('timestamp')]: 1n,
    });
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.level, 'warn');
    assert.equal(entry.msg, 'Activity failed');
    assert.equal(entry.service, 'test');
    assert.equal(entry.workflowId, 'swedbank-pay-creditcard-1');
    assert.equal('taskToken' in entry, false);
    assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT/);
  });

  it('never writes a registered secret or a field named like a token', () => {
    const secret = `${CANARY}-bearer-unit`;
    neverLog(secret);
    for (const format of ['json', 'pretty'] as const) {
      const { logger, lines } = capture(format);
      logger.error({ err: new Error(`request with ${secret} failed`), paymentToken: 'tok-1234' }, `saw ${secret}`);
      logger.info({ input: { token: 'secret-card-token' } }, 'nested');
      const text = lines.join('');
      assert.doesNotMatch(text, new RegExp(CANARY));
      assert.doesNotMatch(text, /tok-1234|secret-card-token/);
      assert.match(text, /\[redacted\]/);
    }
  });

  it('prints readable lines for people', () => {
    const line = prettyLine(
      JSON.stringify({ level: 'info', time: '2026-01-02T03:04:05.678Z', msg: 'capture queued', operation: 'capture' }),
    );
    assert.equal(line, '03:04:05.678 INFO  capture queued  operation=capture\n');
  });
});

describe('observability settings', () => {
  it('is off by default, and checks the addresses', () => {
    assert.deepEqual(workerObservabilityFromEnv({}), { visibilityPollMs: 60_000, tracing: false });
    assert.equal(
      workerObservabilityFromEnv({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).metricsBindAddress,
      '0.0.0.0:9464',
    );
    assert.deepEqual(bindAddressProblems('X', '[::]:9464'), []);
    assert.equal(bindAddressProblems('X', '9464').length, 1);
    assert.throws(
      () => workerObservabilityFromEnv({ WORKER_METRICS_VISIBILITY_POLL_MS: '5' }),
      /0 \(off\) or from 1000/,
    );
    assert.equal(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }), false);
    assert.equal(
      tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c', OTEL_TRACES_EXPORTER: 'none' }),
      false,
    );
  });
});

describe("an activity's correlation fields", () => {
  const workflowId = 'swedbank-pay-creditcard-5adc265f-f87f-4313-577e-08d3dca1a26c';
  const paymentId = '/psp/creditcard/payments/5adc265f-f87f-4313-577e-08d3dca1a26c';

  it('come from its input and its workflow id', () => {
    assert.deepEqual(
      paymentFieldsOf(
        'createTransaction',
        [{ paymentId, orderId: '1001', kind: 'capture', payeeReference: 'C1', amount: 100 }],
        workflowId,
      ),
      { paymentId, orderId: '1001', operation: 'capture', payeeReference: 'C1' },
    );
    assert.deepEqual(
      paymentFieldsOf(
        'getTransaction',
        [`${paymentId}/transactions/1`, { operation: 'reversal', payeeReference: 'R3' }],
        workflowId,
      ),
      { paymentId, transactionId: `${paymentId}/transactions/1`, operation: 'reversal', payeeReference: 'R3' },
    );
    assert.deepEqual(paymentFieldsOf('getTransaction', [`${paymentId}/transactions/1`], workflowId), {
      paymentId,
      transactionId: `${paymentId}/transactions/1`,
    });
    assert.deepEqual(paymentFieldsOf('abortPayment', [paymentId]), { paymentId, operation: 'abort' });
  });

  it('show a card token by its last four characters only', () => {
    const fields = paymentFieldsOf(
      'deletePaymentToken',
      [{ paymentToken: 'abcdef-123456-wxyz', tokenType: 'PaymentToken', comment: 'closed' }],
      workflowId,
    );
    assert.deepEqual(fields, { paymentId, tokenLast4: '…wxyz', operation: 'delete-token' });
  });
});
