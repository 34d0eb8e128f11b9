/**
 * Structured logs for the services (worker, callback receiver, emulator) and the dev stack, with pino:
 * one JSON object a line (`LOG_FORMAT=json`, the services' default) or one readable line
 * (`LOG_FORMAT=pretty`, the dev stack's default), from `LOG_LEVEL` up. The Temporal SDK's own lines and
 * those of the workflow's and activities' loggers come through `temporalLogger`, so every line of a
 * process has one shape.
 *
 * Secrets never reach a line: a value given to `neverLog` (the bearer token) is replaced wherever it
 * appears, message and stack included, and fields named like tokens are redacted. A card's payment
 * token is never logged by this package; at most its last four characters are (`tokenLast4`).
 */
import { hostname } from 'node:os';
import { pino, stdSerializers, stdTimeFunctions, type Logger as Pino } from 'pino';
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { ConfigurationError } from '../config/errors.js';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface LogSettings {
  format: LogFormat;
  level: LogLevelName;
}

/** A process's logger: pino's, with the correlation fields of `child()` on every line. */
export type AppLogger = Pino;

/** LOG_FORMAT and LOG_LEVEL, or the process's defaults; a ConfigurationError names a wrong value. */
export function logSettingsFromEnv(env: Record<string, string | undefined>, defaults: LogSettings): LogSettings {
  const problems: string[] = [];
  const format = (env.LOG_FORMAT?.trim().toLowerCase() || defaults.format) as LogFormat;
  if (!LOG_FORMATS.includes(format)) {
    problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, got "${env.LOG_FORMAT}"`);
  }
  const level = (env.LOG_LEVEL?.trim().toLowerCase() || defaults.level) as LogLevelName;
  if (!LOG_LEVELS.includes(level)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { format, level };
}

/** The settings of the environment, or the defaults where they are wrong (to report that they are). */
export function logSettingsOrDefaults(env: Record<string, string | undefined>, defaults: LogSettings): LogSettings {
  try {
    return logSettingsFromEnv(env, defaults);
  } catch {
    return defaults;
  }
}

const secrets = new Set<string>();

/**
 * A value that must never appear in a log line of this process (the merchant's bearer token): every
 * logger made here replaces it. Values shorter than 8 characters are not secrets worth the name and
 * would mangle ordinary words, so they are ignored.
 */
export function neverLog(secret: string | undefined): void {
  if (secret !== undefined && secret.length >= 8) secrets.add(secret);
}

/** `text` with every registered secret replaced. */
export function withoutSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  return out;
}

/** Fields that hold a token wherever they appear: their values never reach a line. */
const REDACTED_PATHS = [
  'token',
  'paymentToken',
  'authorization',
  'apiKey',
  '*.token',
  '*.paymentToken',
  '*.authorization',
  '*.apiKey',
  'headers.authorization',
];

export interface LoggerOptions extends LogSettings {
  /** Names the process on every line: `worker`, `callbacks`, `emulator`, `dev`. */
  service: string;
  /** Where lines go; default standard output. */
  destination?: { write(line: string): unknown };
}

export function createLogger(options: LoggerOptions): AppLogger {
  const out = options.destination ?? process.stdout;
  const write =
    options.format === 'pretty'
      ? (line: string) => out.write(withoutSecrets(prettyLine(line)))
      : (line: string) => out.write(withoutSecrets(line));
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: stdSerializers.err, error: stdSerializers.err },
    },
    { write },
  );
}

const HIDDEN_IN_PRETTY = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname', 'sdkComponent']);

/** One JSON line as `12:00:01.234 INFO  message key=value …`, for people at a terminal. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const level = typeof entry.level === 'string' ? entry.level.toUpperCase() : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HIDDEN_IN_PRETTY.has(key) && value !== undefined)
    .map(([key, value]) => {
      if (value && typeof value === 'object' && 'message' in value) {
        const err = value as { type?: string; message?: unknown };
        return `${key}=${JSON.stringify(`${err.type ?? 'Error'}: ${String(err.message)}`)}`;
      }
      const shown = typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
      return `${key}=${shown}`;
    });
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return `${time} ${level.padEnd(5)} ${msg}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's metadata as fields: symbol keys (its timestamp) and the activity task token left out. */
function fieldsOf(meta: LogMetadata | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (!meta) return fields;
  for (const [key, value] of Object.entries(meta)) if (key !== 'taskToken') fields[key] = value;
  return fields;
}

/**
 * The logger the Temporal runtime takes (`Runtime.install({ logger })`): the SDK's lines and those of
 * the workflow's `log` and the activities' `Context.current().log` go to `log`, their metadata as
 * fields. It also fits the callback handler's `logger` option.
 */
export function temporalLogger(log: AppLogger): TemporalLogger {
  return loggerOf((level, message, meta) => {
    log[PINO_LEVEL[level] ?? 'info'](fieldsOf(meta), message);
  });
}

/** A Temporal SDK logger whose every level goes through one function. */
export function loggerOf(emit: (level: LogLevel, message: string, meta?: LogMetadata) => void): TemporalLogger {
  return {
    log: emit,
    trace: (message, meta) => emit('TRACE', message, meta),
    debug: (message, meta) => emit('DEBUG', message, meta),
    info: (message, meta) => emit('INFO', message, meta),
    warn: (message, meta) => emit('WARN', message, meta),
    error: (message, meta) => emit('ERROR', message, meta),
  };
}

/** Shows a card's payment token as its last four characters, the most a log line may hold. */
export function tokenLast4(token: string): string {
  return `…${token.slice(-4)}`;
}
