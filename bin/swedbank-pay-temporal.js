#!/usr/bin/env node
// The command line: the compiled CLI once `npm run build` has run, else the TypeScript source via tsx.
import { existsSync } from 'node:fs';

const compiled = new URL('../lib/src/cli/main.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
process.exit(await cli.main(process.argv.slice(2)));
