/**
 * The standalone callback receiver's settings from the environment:
 *   SWEDBANK_PAY_CALLBACK_PORT         default 8089
 *   SWEDBANK_PAY_CALLBACK_HOST         default 127.0.0.1 (a container passes 0.0.0.0)
 *   SWEDBANK_PAY_CALLBACK_PATH         default /callbacks
 *   SWEDBANK_PAY_CALLBACK_ALLOWED_IPS  comma-separated addresses and CIDR ranges; unset or empty: anyone
 *                                      (commas with no address between them are refused: a list gone wrong)
 *   SWEDBANK_PAY_CALLBACK_TRUST_PROXY  number of reverse proxies in front (default 0: X-Forwarded-For ignored)
 */
import { isIP } from 'node:net';
import { ConfigurationError } from '../config/errors.js';
import { ipAllowlistProblems } from './ip-allowlist.js';
import { callbackPathProblems, DEFAULT_CALLBACK_HOST, DEFAULT_CALLBACK_PATH, DEFAULT_CALLBACK_PORT } from './server.js';

export interface CallbackReceiverConfig {
  port: number;
  host: string;
  path: string;
  /** Absent: callbacks are accepted from any sender. */
  allowedIps?: string[];
  trustProxy: number;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** More would be a misconfiguration (and let a sender pick its own address). */
const MAX_TRUSTED_PROXIES = 10;

/** Reads the settings, or throws a ConfigurationError naming every problem at once. */
export function callbackReceiverConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): CallbackReceiverConfig {
  const problems: string[] = [];

  const rawPort = env.SWEDBANK_PAY_CALLBACK_PORT?.trim();
  let port = DEFAULT_CALLBACK_PORT;
  if (rawPort !== undefined && rawPort !== '') {
    port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!(port >= 1 && port <= 65_535)) {
      problems.push(`SWEDBANK_PAY_CALLBACK_PORT must be a port number (1-65535), got "${rawPort}"`);
    }
  }

  const rawHost = env.SWEDBANK_PAY_CALLBACK_HOST?.trim();
  const host = rawHost === undefined || rawHost === '' ? DEFAULT_CALLBACK_HOST : rawHost;
  if (isIP(host) === 0 && !HOSTNAME.test(host)) {
    problems.push(`SWEDBANK_PAY_CALLBACK_HOST must be an IP address or host name, got "${host}"`);
  }

  const rawPath = env.SWEDBANK_PAY_CALLBACK_PATH?.trim();
  const path = rawPath === undefined || rawPath === '' ? DEFAULT_CALLBACK_PATH : rawPath;
  problems.push(...callbackPathProblems(path).map((p) => `SWEDBANK_PAY_CALLBACK_PATH: ${p}`));

  const rawIps = env.SWEDBANK_PAY_CALLBACK_ALLOWED_IPS?.trim() ?? '';
  const entries = rawIps
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (rawIps !== '' && entries.length === 0) {
    // Read as "no allowlist" it would open the receiver to any sender, unlike what was meant.
    problems.push(
      'SWEDBANK_PAY_CALLBACK_ALLOWED_IPS lists no address (set addresses or CIDR ranges, or leave it empty for any sender)',
    );
  }
  problems.push(...ipAllowlistProblems(entries).map((p) => `SWEDBANK_PAY_CALLBACK_ALLOWED_IPS: ${p}`));

  const rawTrust = env.SWEDBANK_PAY_CALLBACK_TRUST_PROXY?.trim().toLowerCase();
  let trustProxy = 0;
  if (rawTrust !== undefined && rawTrust !== '' && rawTrust !== 'false') {
    if (/^\d{1,2}$/.test(rawTrust) && Number(rawTrust) <= MAX_TRUSTED_PROXIES) {
      trustProxy = Number(rawTrust);
    } else {
      problems.push(
        `SWEDBANK_PAY_CALLBACK_TRUST_PROXY must be the number of reverse proxies in front of the receiver ` +
          `(0-${MAX_TRUSTED_PROXIES}, e.g. 1), got "${env.SWEDBANK_PAY_CALLBACK_TRUST_PROXY}"`,
      );
    }
  }

  if (problems.length > 0) throw new ConfigurationError(problems);
  return { port, host, path, ...(entries.length > 0 && { allowedIps: entries }), trustProxy };
}
