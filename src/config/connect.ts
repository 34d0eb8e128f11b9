/** A Temporal client connected with the settings in the environment (envconfig). */
import { Client, Connection } from '@temporalio/client';
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

export async function connectClient(settings: TemporalSettings = temporalSettingsFromEnv()): Promise<ConnectedClient> {
  const { address, tls, apiKey, metadata } = settings.connectionOptions;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls, apiKey, metadata });
  } catch (err) {
    throw new TemporalUnavailableError(
      `cannot connect to Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  return {
    client: new Client({ connection, namespace: settings.namespace }),
    settings,
    close: () => connection.close(),
  };
}
