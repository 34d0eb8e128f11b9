/**
 * Swedbank Pay settings from the environment: SWEDBANK_PAY_BASE_URL (default the external integration
 * test environment), SWEDBANK_PAY_TOKEN or SWEDBANK_PAY_TOKEN_FILE (required, never printed) and
 * SWEDBANK_PAY_TIMEOUT_MS.
 */
import { readFileSync } from 'node:fs';
import { MAX_TIMEOUT_MS, type SwedbankPayClientOptions } from '../swedbank/client.js';
import { ENVIRONMENTS } from '../swedbank/resources.js';
import { ConfigurationError } from './errors.js';
import type { Environment } from './temporal.js';

export interface SwedbankPaySettings {
  client: SwedbankPayClientOptions & { baseUrl: string; token: string };
  /** For logs: the base URL only. */
  description: string;
}

/** What an Authorization header can carry: printable ASCII, no spaces. */
const BEARER_TOKEN = /^[\x21-\x7E]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Problems with the Swedbank Pay settings; the token's value never appears in them. */
function swedbankPayProblems(env: Environment): string[] {
  const problems: string[] = [];
  const token = env.SWEDBANK_PAY_TOKEN;
  if (token === undefined || token.trim() === '') {
    problems.push(
      'SWEDBANK_PAY_TOKEN (or SWEDBANK_PAY_TOKEN_FILE) is not set: the worker needs the merchant bearer token',
    );
  } else if (/\s/.test(token)) {
    problems.push('SWEDBANK_PAY_TOKEN contains whitespace (a stray newline from a secret file?)');
  } else if (!BEARER_TOKEN.test(token)) {
    // Fetch refuses such a header on every request, which would look like a network fault, retried.
    problems.push('SWEDBANK_PAY_TOKEN must be printable ASCII (a control or non-ASCII character was found)');
  }
  const baseUrl = env.SWEDBANK_PAY_BASE_URL ?? ENVIRONMENTS.test;
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    problems.push(`SWEDBANK_PAY_BASE_URL is not a URL: "${baseUrl}"`);
  }
  if (url && url.protocol !== 'https:') {
    // The bearer token must not cross a network in clear text; the emulator on loopback or in a
    // local Compose network is the exception, and must be asked for.
    const allowed = LOOPBACK_HOSTS.has(url.hostname) || env.SWEDBANK_PAY_ALLOW_HTTP === 'true';
    if (url.protocol !== 'http:' || !allowed) {
      problems.push(
        `SWEDBANK_PAY_BASE_URL must use https (got ${url.protocol}//${url.host}); ` +
          'plain http is only for the emulator on loopback, or with SWEDBANK_PAY_ALLOW_HTTP=true',
      );
    }
  }
  const timeout = env.SWEDBANK_PAY_TIMEOUT_MS;
  if (
    timeout !== undefined &&
    !(/^\d{1,9}$/.test(timeout) && Number(timeout) >= 100 && Number(timeout) <= MAX_TIMEOUT_MS)
  ) {
    problems.push(
      `SWEDBANK_PAY_TIMEOUT_MS must be a whole number of milliseconds from 100 to ${MAX_TIMEOUT_MS}, got "${timeout}"`,
    );
  }
  return problems;
}

/**
 * SWEDBANK_PAY_TOKEN_FILE (a mounted secret) stands in for SWEDBANK_PAY_TOKEN; one trailing newline is
 * dropped. Returns the environment with the token filled in, or the problem.
 */
function withTokenFromFile(env: Environment): { env: Environment; problem?: string } {
  const file = env.SWEDBANK_PAY_TOKEN_FILE;
  if (file === undefined) return { env };
  if (env.SWEDBANK_PAY_TOKEN !== undefined) {
    return { env, problem: 'set SWEDBANK_PAY_TOKEN or SWEDBANK_PAY_TOKEN_FILE, not both' };
  }
  try {
    return { env: { ...env, SWEDBANK_PAY_TOKEN: readFileSync(file, 'utf8').replace(/\r?\n$/, '') } };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return { env, problem: `SWEDBANK_PAY_TOKEN_FILE cannot be read (${code}): ${file}` };
  }
}

export function swedbankPaySettingsFromEnv(given: Environment = process.env): SwedbankPaySettings {
  const { env, problem } = withTokenFromFile(given);
  const problems = problem ? [problem] : swedbankPayProblems(env);
  if (problems.length > 0) throw new ConfigurationError(problems);
  const baseUrl = new URL(env.SWEDBANK_PAY_BASE_URL ?? ENVIRONMENTS.test).origin;
  return {
    client: {
      baseUrl,
      token: env.SWEDBANK_PAY_TOKEN as string,
      ...(env.SWEDBANK_PAY_TIMEOUT_MS !== undefined && { timeoutMs: Number(env.SWEDBANK_PAY_TIMEOUT_MS) }),
    },
    description: `Swedbank Pay ${baseUrl}`,
  };
}
