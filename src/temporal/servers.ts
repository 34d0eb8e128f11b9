/**
 * Starts the Temporal servers this project runs locally: the dev server (with Web UI) for `npm start`
 * and the tests, and the time-skipping test server for long-timer tests. Both use the binary that
 * binaries.ts resolves and print which one that is. They need `@temporalio/testing`, an optional peer
 * dependency (testing-package.ts).
 */
import type { SearchAttributeType } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../contract/index.js';
import {
  describeBinary,
  installAdvice,
  resolveTemporalBinary,
  TemporalBinaryError,
  toExecutable,
  type ResolvedBinary,
} from './binaries.js';
import { temporalTesting } from './testing-package.js';

export interface DevServerOptions {
  /** gRPC port; omitted = a random free port. */
  port?: number;
  /** Web UI port; omitted = no Web UI. */
  uiPort?: number;
  /** SQLite file that keeps the server's data across restarts; omitted = in memory. */
  dbFilename?: string;
  namespace?: string;
  /** A codec server the Web UI decodes payloads with (payload encryption). */
  uiCodecEndpoint?: string;
  /** Server dynamic config, e.g. lowered limits for a test: `{ 'limit.historyCount.error': 800 }`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Where to print which binary is used; defaults to stderr, so test reporters keep stdout. */
  log?: (line: string) => void;
}

const defaultLog = (line: string) => console.error(line);

async function startWith<T>(
  resolved: ResolvedBinary,
  log: (line: string) => void,
  start: () => Promise<T>,
): Promise<T> {
  log(describeBinary(resolved));
  try {
    return await start();
  } catch (err) {
    if (resolved.kind !== 'sdk-download') throw err;
    const cause = err instanceof Error ? err.message : String(err);
    throw new TemporalBinaryError(`${installAdvice(resolved.name)}\nCause: ${cause}`, { cause: err });
  }
}

/** The Temporal CLI dev server with this project's search attributes registered. */
export async function startDevServer(options: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  const resolved = resolveTemporalBinary('cli');
  const { TestWorkflowEnvironment } = await temporalTesting();
  return startWith(resolved, options.log ?? defaultLog, () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: toExecutable(resolved),
        ip: '127.0.0.1',
        port: options.port,
        ui: options.uiPort !== undefined,
        uiPort: options.uiPort,
        dbFilename: options.dbFilename,
        namespace: options.namespace,
        searchAttributes: [...SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'warn' },
        extraArgs: [
          ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => [
            '--dynamic-config-value',
            `${key}=${JSON.stringify(value)}`,
          ]),
          ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ],
      },
    }),
  );
}

/** Temporal API IndexedValueType numbers (wire-protocol constants) of each search attribute type. */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** The time-skipping test server, with this project's search attributes registered. */
export async function startTimeSkippingServer(
  log: (line: string) => void = defaultLog,
): Promise<TestWorkflowEnvironment> {
  const resolved = resolveTemporalBinary('test-server');
  const { TestWorkflowEnvironment } = await temporalTesting();
  const env = await startWith(resolved, log, () =>
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: toExecutable(resolved) } }),
  );
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED_VALUE_TYPE[key.type]])),
    });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}
