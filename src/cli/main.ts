/**
 * The command line: `swedbank-pay-temporal <command> [options]`. Services (dev, worker, callbacks,
 * emulator), the demo, and operator commands on payments. `--help` on each.
 */
import { pathToFileURL } from 'node:url';
import {
  InvalidListFilterError,
  PaymentClosedError,
  PaymentNotFoundError,
  PaymentRequestRejectedError,
  PaymentStateUnavailableError,
} from '../client/errors.js';
import { InvalidPaymentInputError } from '../client/start-options.js';
import { TemporalUnavailableError } from '../config/connect.js';
import { ConfigurationError } from '../config/errors.js';
import { MissingPeerDependencyError } from '../temporal/testing-package.js';
import { parse, UsageError, type Command } from './command.js';
import { demoCommand, devCommand } from './dev-commands.js';
import { listCommand } from './list-command.js';
import { paymentCommands } from './payment-commands.js';
import { callbacksCommand, codecServerCommand, emulatorCommand, workerCommand } from './service-commands.js';

export const COMMANDS: readonly Command[] = [
  devCommand,
  demoCommand,
  workerCommand,
  callbacksCommand,
  emulatorCommand,
  codecServerCommand,
  ...paymentCommands,
  listCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: swedbank-pay-temporal <command> [options]

Swedbank Pay payment lifecycles on Temporal.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`swedbank-pay-temporal <command> --help\` for a command's options.
`;
}

/** Errors a user can act on: printed as one clear message, no stack. */
const EXPECTED = [
  ConfigurationError,
  TemporalUnavailableError,
  PaymentNotFoundError,
  PaymentClosedError,
  PaymentRequestRejectedError,
  PaymentStateUnavailableError,
  InvalidPaymentInputError,
  InvalidListFilterError,
  MissingPeerDependencyError,
];

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`unknown command: ${name}\n\n${usage()}`);
    return 2;
  }
  try {
    const args = parse(command, rest);
    if (args.help) {
      process.stdout.write(command.help);
      return 0;
    }
    await command.run(args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${command.name}: ${err.message}\n\n${command.help}`);
      return 2;
    }
    // One clear line, never a stack trace: the message of an error a user can act on, else its kind too.
    const expected = EXPECTED.some((type) => err instanceof type);
    const message = err instanceof Error ? err.message : String(err);
    const line = expected || !(err instanceof Error) ? message : `${err.name}: ${message}`;
    process.stderr.write(`${command.name}: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`swedbank-pay-temporal: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
      process.exit(1);
    },
  );
}
