/** What every CLI command is: a name, its help, its options, and what it runs. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Wrong usage: the message and the command's help are printed, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The whole `--help` text. */
  help: string;
  options: Options;
  /** Positional arguments allowed (default 0). */
  positionals?: number;
  run(args: Parsed): Promise<void>;
}

export function parse(command: Command, argv: string[]): Parsed & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const values = parsed.values as Parsed['values'];
  if (!values.help && parsed.positionals.length > (command.positionals ?? 0)) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[command.positionals ?? 0]}`);
  }
  return { values, positionals: parsed.positionals, help: values.help === true };
}

export function stringOption(args: Parsed, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(args: Parsed, name: string): string {
  const value = stringOption(args, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** An amount in minor units: digits only (40000 = 400.00 SEK), so nothing is ever rounded. */
export function minorUnitsOption(args: Parsed, name: string, required: true): number;
export function minorUnitsOption(args: Parsed, name: string, required?: false): number | undefined;
export function minorUnitsOption(args: Parsed, name: string, required = false): number | undefined {
  const raw = required ? requiredOption(args, name) : stringOption(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) {
    throw new UsageError(`--${name} must be a whole number of minor units (40000 = 400.00 SEK), got "${raw}"`);
  }
  return Number(raw);
}

export function portOption(args: Parsed, name: string, fallback: number): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port > 65_535) throw new UsageError(`--${name} must be a port number, got "${raw}"`);
  return port;
}

/** Runs until SIGINT or SIGTERM, then `stop`. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done).off('SIGTERM', done);
      resolve(signal);
    };
    process.once('SIGINT', done).once('SIGTERM', done);
  });
}
