/** A Temporal client connected with the settings in the environment (envconfig). */
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import { temporalSettingsFromEnv, type TemporalSettings } from './temporal.js';

/** Temporal cannot be reached with these settings (wrong address, TLS or API key, or it is down). */
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
}

export interface ConnectedClient {
  client: Client;
  settings: TemporalSettings;
  close(): Promise<void>;
}

/**
 * Temporal's usual gRPC retries, except for a payment's update limit (10 waiting updates at a time):
 * retried blindly, the 11th waiting request would hang for most of a minute; refused at once, the OMS
 * client hands it over as a signal instead (src/client/waiting.ts).
 */
/** gRPC's status code for a limit reached. */
const RESOURCE_EXHAUSTED = 8;

function retryInterceptor() {
  const defaults = defaultGrpcRetryOptions();
  return makeGrpcRetryInterceptor({
    ...defaults,
    retryableDecider: (attempt, status) =>
      !(Number(status.code) === RESOURCE_EXHAUSTED && /in-flight update/i.test(status.details ?? '')) &&
      defaults.retryableDecider(attempt, status),
  });
}

export interface ConnectOptions {
  /** Workflow client interceptors, e.g. `await tracingClientInterceptors()` to carry traces. */
  workflowInterceptors?: WorkflowClientInterceptor[];
}

export async function connectClient(
  settings: TemporalSettings = temporalSettingsFromEnv(),
  options: ConnectOptions = {},
): Promise<ConnectedClient> {
  const { address, tls, apiKey, metadata } = settings.connectionOptions;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls, apiKey, metadata, interceptors: [retryInterceptor()] });
  } catch (err) {
    throw new TemporalUnavailableError(
      `cannot connect to Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  return {
    client: new Client({
      connection,
      namespace: settings.namespace,
      ...(settings.payloadCodec && { dataConverter: { payloadCodecs: [settings.payloadCodec] } }),
      ...(options.workflowInterceptors?.length && { interceptors: { workflow: options.workflowInterceptors } }),
    }),
    settings,
    close: () => connection.close(),
  };
}
