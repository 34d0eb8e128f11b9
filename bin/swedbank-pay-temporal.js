#!/usr/bin/env node
// The command line, from the compiled package (lib/, built by `npm run build`, which `npm pack` runs).
// In a clone of the repository, `npm run cli -- <command>` runs the TypeScript source instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../lib/src/cli/main.js', import.meta.url);
if (!existsSync(compiled)) {
  console.error('swedbank-pay-temporal: not built (no lib/). Run `npm run build`, or `npm run cli -- <command>`.');
  process.exit(1);
}
const { main } = await import(compiled.href);
process.exit(await main(process.argv.slice(2)));
