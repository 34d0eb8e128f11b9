// docker-compose.yml and the Dockerfile, checked without a Docker engine for what a script can prove:
// the same versions, schema steps and settings as the production shape test/production-shape.test.ts
// runs, variables the code reads and the README documents, ports, health checks and commands that
// match the code, and a sound image. Each check is a function returning the problems it finds; the
// last test shows that each one flags a broken file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import ts from 'typescript';
import { parseDocument } from 'yaml';
import { SETUP_NAMESPACE_SCRIPT, SETUP_SCHEMA_SCRIPT, searchAttributeList } from '../scripts/production-shape/stack.js';
import { DYNAMIC_CONFIG_FILE } from '../scripts/production-shape/temporal-server.js';
import { DEFAULT_CALLBACK_PORT, HEALTH_PATH, startCallbackServer } from '../src/callbacks/server.js';
import { DEFAULT_CODEC_PORT } from '../src/codec/config.js';
import { COMPOSE_IMAGES, NAMESPACE_RETENTION, NUM_HISTORY_SHARDS } from '../src/temporal/versions.js';
import { shutdownGraceMsFromEnv } from '../src/worker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
}
type Compose = { services: Record<string, Service> };

const APP_SERVICES = ['worker', 'callbacks', 'codec-server', 'emulator'];
const IMAGES: Record<string, string> = {
  postgresql: COMPOSE_IMAGES.postgresql,
  'temporal-schema': COMPOSE_IMAGES.adminTools,
  temporal: COMPOSE_IMAGES.server,
  'temporal-namespace': COMPOSE_IMAGES.adminTools,
  'temporal-ui': COMPOSE_IMAGES.ui,
};
/** Who waits for whom, and for what: schema, server, namespace, then this package's services. */
const DEPENDENCIES: Record<string, Record<string, string>> = {
  postgresql: {},
  'temporal-schema': { postgresql: 'service_healthy' },
  temporal: { 'temporal-schema': 'service_completed_successfully' },
  'temporal-namespace': { temporal: 'service_healthy' },
  'temporal-ui': { temporal: 'service_healthy' },
  worker: { 'temporal-namespace': 'service_completed_successfully' },
  callbacks: { 'temporal-namespace': 'service_completed_successfully' },
  emulator: {},
};
/** Where the one-shot jobs and the server find deploy/temporal/ (the files the local shape runs). */
const MOUNT = '/etc/swedbank-pay-temporal';
const DEPLOY_DIR = relative(ROOT, dirname(SETUP_SCHEMA_SCRIPT));

function parseCompose(text: string): Compose {
  const doc = parseDocument(text);
  assert.deepEqual([...doc.errors, ...doc.warnings], [], 'docker-compose.yml is not clean YAML');
  return doc.toJS() as Compose;
}

function envOf(service: Service | undefined): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(service?.environment ?? {}).map(([k, v]) => [k, v === null ? undefined : String(v)]),
  );
}

/** What a container gets when the shell sets nothing: `${X:-d}` gives d, `${X:?msg}` nothing known. */
function withoutShell(value: string | undefined): string | undefined {
  const whole = value === undefined ? null : /^\$\{(\w+)(?:(:?-)(.*)|:?\?.*)?\}$/s.exec(value);
  if (whole) return whole[2] !== undefined ? whole[3] : undefined;
  return value?.replaceAll('$$', '$');
}

const flag = (args: readonly string[], name: string) => args[args.indexOf(name) + 1];
const words = (text: string | undefined) => (text ?? '').split(/\s+/).filter(Boolean).sort();

// ---------------------------------------------------------------------------------------------------
// The checks.

/** The images are the versions of src/temporal/versions.ts; this package's services are built here. */
function imageProblems(c: Compose): string[] {
  const problems: string[] = [];
  const expected = [...Object.keys(IMAGES), ...APP_SERVICES];
  for (const name of Object.keys(c.services)) if (!expected.includes(name)) problems.push(`unexpected service ${name}`);
  for (const [name, image] of Object.entries(IMAGES)) {
    if (c.services[name]?.image !== image) problems.push(`${name} runs ${c.services[name]?.image}, not ${image}`);
  }
  for (const name of APP_SERVICES) {
    const service = c.services[name];
    if (service?.build !== '.' || service.image !== undefined) problems.push(`${name} must be built here (build: .)`);
  }
  return problems;
}

/** The same schema and namespace scripts, server settings and dynamic config as the local shape. */
function mirrorProblems(c: Compose): string[] {
  const problems: string[] = [];
  const jobs: [string, string][] = [
    ['temporal-schema', SETUP_SCHEMA_SCRIPT],
    ['temporal-namespace', SETUP_NAMESPACE_SCRIPT],
  ];
  for (const [name, script] of jobs) {
    const service = c.services[name];
    if (!service?.volumes?.includes(`./${DEPLOY_DIR}:${MOUNT}:ro`)) problems.push(`${name} must mount ./${DEPLOY_DIR}`);
    if (service?.command?.join(' ') !== `sh ${MOUNT}/${basename(script)}`) {
      problems.push(`${name} must run ${basename(script)}, as the local production shape does`);
    }
  }
  const server = envOf(c.services.temporal);
  if (server.DB !== 'postgres12') problems.push(`temporal must use the postgres12 plugin, not ${server.DB}`);
  if (server.NUM_HISTORY_SHARDS !== String(NUM_HISTORY_SHARDS)) {
    problems.push(`temporal has ${server.NUM_HISTORY_SHARDS} history shards, the local shape ${NUM_HISTORY_SHARDS}`);
  }
  const dynamicConfig = `${MOUNT}/${basename(DYNAMIC_CONFIG_FILE)}`;
  if (server.DYNAMIC_CONFIG_FILE_PATH !== dynamicConfig) problems.push(`temporal must read ${dynamicConfig}`);
  const source = `./${relative(ROOT, DYNAMIC_CONFIG_FILE)}:${dynamicConfig}:ro`;
  if (!c.services.temporal?.volumes?.includes(source)) problems.push(`temporal must mount ${source}`);
  const password = envOf(c.services.postgresql).POSTGRES_PASSWORD;
  const passwords = [envOf(c.services['temporal-schema']).SQL_PASSWORD, server.POSTGRES_PWD];
  if (passwords.some((p) => p !== password)) problems.push('the database password differs between services');

  const setup = envOf(c.services['temporal-namespace']);
  if (setup.NAMESPACE_RETENTION !== NAMESPACE_RETENTION) {
    problems.push(`namespace retention ${setup.NAMESPACE_RETENTION}, the local shape ${NAMESPACE_RETENTION}`);
  }
  if (words(setup.SEARCH_ATTRIBUTES).join(' ') !== words(searchAttributeList()).join(' ')) {
    problems.push(`SEARCH_ATTRIBUTES must be those of src/contract/search-attributes.ts: ${searchAttributeList()}`);
  }
  for (const name of ['worker', 'callbacks']) {
    const namespace = withoutShell(envOf(c.services[name]).TEMPORAL_NAMESPACE) ?? 'default';
    if (namespace !== setup.TEMPORAL_NAMESPACE) {
      problems.push(`${name} uses namespace ${namespace}, the setup job creates ${setup.TEMPORAL_NAMESPACE}`);
    }
  }
  return problems;
}

/** Start-up order; a service waited on for health has a health check; the emulator only by profile. */
function orderProblems(c: Compose): string[] {
  const problems: string[] = [];
  for (const [name, expected] of Object.entries(DEPENDENCIES)) {
    const got = Object.fromEntries(
      Object.entries(c.services[name]?.depends_on ?? {}).map(([k, v]) => [k, v.condition]),
    );
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      problems.push(`${name} waits for ${JSON.stringify(got)}, not ${JSON.stringify(expected)}`);
    }
    for (const [dependency, condition] of Object.entries(got)) {
      if (condition === 'service_healthy' && !c.services[dependency]?.healthcheck?.test) {
        problems.push(`${name} waits for ${dependency} to be healthy, which has no health check`);
      }
    }
  }
  for (const [name, service] of Object.entries(c.services)) {
    const profiles = JSON.stringify(service.profiles ?? []);
    if (profiles !== (name === 'emulator' ? '["emulator"]' : '[]')) problems.push(`${name} has profiles ${profiles}`);
  }
  return problems;
}

/** How this package's services listen, from their environment or command; the worker drains on stop. */
function listenerProblems(c: Compose, defaultGraceMs = shutdownGraceMsFromEnv({})): string[] {
  const problems: string[] = [];
  const callbacks = envOf(c.services.callbacks);
  const emulatorArgs = c.services.emulator?.command ?? [];
  const listening: Record<string, { port: string; host?: string }> = {
    callbacks: {
      port: withoutShell(callbacks.SWEDBANK_PAY_CALLBACK_PORT) ?? String(DEFAULT_CALLBACK_PORT),
      host: withoutShell(callbacks.SWEDBANK_PAY_CALLBACK_HOST),
    },
    emulator: { port: flag(emulatorArgs, '--port') ?? '8088', host: flag(emulatorArgs, '--host') },
    'codec-server': {
      port: withoutShell(envOf(c.services['codec-server']).CODEC_SERVER_PORT) ?? String(DEFAULT_CODEC_PORT),
      host: withoutShell(envOf(c.services['codec-server']).CODEC_SERVER_HOST),
    },
  };
  for (const name of APP_SERVICES) {
    const ports = c.services[name]?.ports ?? [];
    const listener = listening[name];
    if (!listener) {
      if (ports.length > 0) problems.push(`${name} publishes ports but serves nothing`);
      continue;
    }
    if (ports.length === 0) problems.push(`${name} listens on ${listener.port} but publishes no port`);
    for (const port of ports) {
      const target = String(port).split(':').at(-1);
      if (target !== listener.port) problems.push(`${name} publishes port ${target} but listens on ${listener.port}`);
    }
    if (listener.host !== '0.0.0.0') problems.push(`${name} listens on ${listener.host ?? 'loopback'}, unreachable`);
  }
  const publicUrl = `http://emulator:${listening.emulator!.port}`;
  if (flag(emulatorArgs, '--public-url') !== publicUrl) problems.push(`emulator needs --public-url ${publicUrl}`);

  const test = c.services.callbacks?.healthcheck?.test ?? [];
  const url = /http:\/\/[^'"\s)]+/.exec(test.join(' '))?.[0];
  const expected = `http://127.0.0.1:${listening.callbacks!.port}${HEALTH_PATH}`;
  if (test.slice(0, 3).join(' ') !== 'CMD node -e' || url !== expected) {
    problems.push(`callbacks healthcheck must be node fetching ${expected} (the image has no curl)`);
  }
  const grace = withoutShell(envOf(c.services.worker).WORKER_SHUTDOWN_GRACE_MS) ?? String(defaultGraceMs);
  const stop = /^(\d+)s$/.exec(c.services.worker?.stop_grace_period ?? '')?.[1];
  if (stop === undefined || Number(stop) * 1000 <= Number(grace)) {
    problems.push(`worker stop_grace_period (${c.services.worker?.stop_grace_period}) must exceed ${grace} ms`);
  }
  return problems;
}

/** Every variable set for this package's services is one the code (or Temporal's envconfig) reads. */
function unreadVariables(c: Compose, readByCode: ReadonlySet<string>): string[] {
  return APP_SERVICES.flatMap((name) =>
    Object.keys(envOf(c.services[name]))
      .filter((variable) => !readByCode.has(variable))
      .map((variable) => `${name}: ${variable} is not read anywhere in src/`),
  );
}

/** The README names every image, every variable the code or Compose sets for it, every published port. */
function readmeProblems(c: Compose, readme: string, readByCode: Iterable<string>): string[] {
  const mentions = (word: string) =>
    new RegExp(`(?<![\\w./-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w.-]*\\w)`).test(readme);
  const names = [
    ...Object.values(c.services).flatMap((s) => [s.image, ...(s.ports ?? []).map((p) => String(p).split(':')[0])]),
    ...APP_SERVICES.flatMap((name) => Object.keys(envOf(c.services[name]))),
    ...readByCode,
  ];
  return [...new Set(names)].filter((n) => n !== undefined && !mentions(n)).map((n) => `README.md misses ${n}`);
}

// ---------------------------------------------------------------------------------------------------
// What the code reads.

/** Property names, binding names and whole string literals of a source: comments and messages do not count. */
function namesIn(source: string, file: string): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) names.add(node.name.text);
    else if (ts.isBindingElement(node)) {
      const name = node.propertyName ?? node.name;
      if (ts.isIdentifier(name)) names.add(name.text);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true));
  return names;
}

/** The module specifiers a file imports (static imports and exports). */
function importsIn(source: string, file: string): string[] {
  return ts
    .createSourceFile(file, source, ts.ScriptTarget.Latest, true)
    .statements.flatMap((node) =>
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
        ? [node.moduleSpecifier.text]
        : [],
    );
}

/** Variables read as `env.X`, `process.env.X`, `env['X']` or named by an `envVar: 'X'`. */
function environmentReadsIn(source: string, file: string): Set<string> {
  const reads = new Set<string>();
  const isEnv = (node: ts.Node) => /(^|\.)env$/.test(node.getText());
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && isEnv(node.expression)) reads.add(node.name.text);
    if (ts.isElementAccessExpression(node) && isEnv(node.expression) && ts.isStringLiteral(node.argumentExpression)) {
      reads.add(node.argumentExpression.text);
    }
    if (ts.isPropertyAssignment(node) && node.name.getText() === 'envVar' && ts.isStringLiteral(node.initializer)) {
      reads.add(node.initializer.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true));
  return new Set([...reads].filter((name) => /^[A-Z][A-Z0-9_]+$/.test(name) && !['PATH', 'HOME'].includes(name)));
}

/** What `reader` finds in the TypeScript sources under `dirs`. */
function collect(dirs: string[], reader: (source: string, file: string) => Set<string>): Set<string> {
  const files = dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .map((file) => join(ROOT, dir, file)),
  );
  return new Set(files.flatMap((file) => [...reader(readFileSync(file, 'utf8'), file)]));
}

/** Names src/ can read a variable by, and the TEMPORAL_* ones Temporal's envconfig reads. */
function variablesReadByCode(): Set<string> {
  const names = collect(['src'], namesIn);
  const envconfig = dirname(createRequire(join(ROOT, 'package.json')).resolve('@temporalio/envconfig'));
  for (const file of readdirSync(envconfig).filter((f) => f.endsWith('.js'))) {
    for (const name of namesIn(readFileSync(join(envconfig, file), 'utf8'), file)) {
      if (name.startsWith('TEMPORAL_')) names.add(name);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------------
// The Dockerfile.

type Instruction = { op: string; args: string };

function dockerfileStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const line of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const [, op = '', args = ''] = /^\s*(\w+)\s*(.*)$/.exec(line.startsWith('#') ? '' : line) ?? [];
    if (op.toUpperCase() === 'FROM') stages.push([]);
    else if (op) stages.at(-1)?.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** Scripts of the root package that `npm ci` runs. */
const NPM_CI_SCRIPTS = ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare'];

/** Files `npm ci` needs: the scripts it runs and the project files they import, transitively. */
function installFiles(): string[] {
  const scripts = (JSON.parse(read('package.json')) as { scripts?: Record<string, string> }).scripts ?? {};
  const files = new Set<string>();
  const pending = NPM_CI_SCRIPTS.flatMap((name) => /(\S+\.[cm]?[jt]s)\b/.exec(scripts[name] ?? '')?.[1] ?? []);
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const name of importsIn(read(file), file)) {
      if (!/^\.\.?\//.test(name)) continue;
      const target = join(dirname(file), name);
      const source = existsSync(join(ROOT, target)) ? target : target.replace(/\.js$/, '.ts');
      pending.push(source.split('\\').join('/'));
    }
  }
  return ['package.json', 'package-lock.json', ...files];
}

function execForm(args: string | undefined): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(args ?? '');
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function dockerfileProblems(stages: Instruction[][], entryFile: string, needed: readonly string[]): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push('the image must build in one stage and run in another');
  for (const [index, stage] of stages.entries()) {
    const install = stage.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const before = stage.slice(0, install);
    if (!before.some((i) => i.op === 'ENV' && /\bTEMPORAL_SKIP_BINARY_INSTALL=1\b/.test(i.args))) {
      problems.push(`stage ${index + 1} runs npm ci without TEMPORAL_SKIP_BINARY_INSTALL=1`);
    }
    const copied = before.filter((i) => i.op === 'COPY').flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const file of needed) {
      const covers = (source: string) =>
        source === '.' || file === source || file.startsWith(`${source.replace(/\/$/, '')}/`);
      if (!copied.some(covers)) {
        problems.push(`stage ${index + 1} runs npm ci before copying ${file}`);
      }
    }
  }
  const final = stages.at(-1) ?? [];
  const last = (op: string) => final.filter((i) => i.op === op).at(-1)?.args;
  if (!final.some((i) => i.op === 'RUN' && /\bnpm ci\b.*--omit[= ]dev\b/.test(i.args))) {
    problems.push('the final stage must install production dependencies only (npm ci --omit=dev)');
  }
  if (!last('USER') || /^(root|0)\b/.test(last('USER')!)) problems.push('the final stage must run as a non-root USER');
  if (JSON.stringify(execForm(last('ENTRYPOINT'))) !== JSON.stringify(['node', entryFile])) {
    problems.push(`ENTRYPOINT must be ["node", "${entryFile}"], got ${last('ENTRYPOINT')}`);
  }
  if (execForm(last('CMD'))?.length !== 1) problems.push('CMD must name the default command in exec form');
  if (final.some((i) => i.op === 'HEALTHCHECK')) problems.push('a HEALTHCHECK in the image applies to every command');
  return problems;
}

/** Where `npm run build` compiles the CLI: tsconfig.build.json's outDir, relative to its rootDir. */
function compiledCli(): string {
  const { outDir, rootDir } = (JSON.parse(read('tsconfig.build.json')) as { compilerOptions: Record<string, string> })
    .compilerOptions;
  return join(outDir ?? '.', relative(rootDir ?? '.', 'src/cli/main.js'));
}

function runNode(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

// ---------------------------------------------------------------------------------------------------

describe('docker-compose.yml and the Dockerfile', () => {
  const compose = parseCompose(read('docker-compose.yml'));
  const readByCode = variablesReadByCode();
  const documented = collect(['src', 'scripts'], environmentReadsIn);

  it('pins the versions of src/temporal/versions.ts', () => {
    assert.deepEqual(imageProblems(compose), []);
  });

  it('runs the schema and namespace scripts and the server settings of the local production shape', () => {
    assert.deepEqual(mirrorProblems(compose), []);
  });

  it('starts schema, server, namespace and services in order, with health checks where waited on', () => {
    assert.deepEqual(orderProblems(compose), []);
  });

  it("publishes the ports this package's services listen on, checks health, drains the worker", () => {
    assert.deepEqual(listenerProblems(compose), []);
  });

  it('sets only variables the code reads; the README documents them and every variable the code reads', () => {
    assert.deepEqual(unreadVariables(compose, readByCode), []);
    assert.ok(documented.has('SWEDBANK_PAY_TOKEN') && documented.has('TEMPORAL_CLI_PATH'), [...documented].join());
    assert.deepEqual(readmeProblems(compose, read('README.md'), documented), []);
  });

  it('runs only real CLI commands, with options they know', async () => {
    const invocations = APP_SERVICES.map((name) => compose.services[name]?.command ?? []);
    for (const [command = '', ...args] of invocations) {
      const help = await runNode(['--import', 'tsx', 'src/cli/main.ts', command, '--help']);
      assert.equal(help.code, 0, `${command} --help: ${help.output}`);
      for (const option of args.filter((arg) => arg.startsWith('--'))) assert.match(help.output, new RegExp(option));
    }
  });

  it("the callback receiver's health check passes on a live receiver and fails without one", async () => {
    const script = compose.services.callbacks!.healthcheck!.test!.at(-1)!;
    const server = await startCallbackServer({ client: {} as Client, port: 0, host: '127.0.0.1' });
    const local = script.replace(/:\d+\//, `:${server.port}/`);
    try {
      assert.equal((await runNode(['-e', local])).code, 0);
    } finally {
      await server.close();
    }
    assert.equal((await runNode(['-e', local])).code, 1);
  });

  it('builds a sound image that runs the compiled CLI', () => {
    assert.equal(compiledCli(), 'lib/src/cli/main.js');
    assert.deepEqual(dockerfileProblems(dockerfileStages(read('Dockerfile')), compiledCli(), installFiles()), []);
  });

  it('each check flags a broken file', () => {
    const env = (c: Compose, name: string) => c.services[name]!.environment!;
    const cases: [(c: Compose) => unknown, (c: Compose) => string[], RegExp][] = [
      [(c) => (c.services.temporal!.image = 'temporalio/auto-setup:1.32.2'), imageProblems, /not temporalio\/server/],
      [(c) => (c.services['temporal-schema']!.command = ['sh', '-c', 'true']), mirrorProblems, /setup-schema/],
      [(c) => (env(c, 'temporal').NUM_HISTORY_SHARDS = '512'), mirrorProblems, /512 history shards/],
      [(c) => (env(c, 'temporal').DB = 'postgres12_pgx'), mirrorProblems, /postgres12 plugin/],
      [(c) => (env(c, 'temporal-namespace').SEARCH_ATTRIBUTES = 'X=Bool'), mirrorProblems, /SEARCH_ATTRIB/],
      [(c) => (env(c, 'worker').TEMPORAL_NAMESPACE = 'payments'), mirrorProblems, /worker uses namespace/],
      [(c) => delete c.services.worker!.depends_on, orderProblems, /worker waits for \{\}/],
      [(c) => delete c.services.temporal!.healthcheck, orderProblems, /which has no health check/],
      [(c) => delete c.services.emulator!.profiles, orderProblems, /emulator has profiles \[\]/],
      [(c) => (c.services.callbacks!.ports = ['8090:8090']), listenerProblems, /8090/],
      [(c) => (env(c, 'callbacks').SWEDBANK_PAY_CALLBACK_HOST = '127.0.0.1'), listenerProblems, /unreachable/],
      [(c) => (c.services.worker!.stop_grace_period = '30s'), listenerProblems, /must exceed/],
      [(c) => (env(c, 'worker').SWEDBANK_PAY_TOKN = 'x'), (c) => unreadVariables(c, readByCode), /TOKN/],
      [() => undefined, (c) => readmeProblems(c, 'nothing', ['SWEDBANK_PAY_TOKEN']), /misses SWEDBANK_PAY_TOKEN/],
    ];
    for (const [change, check, expected] of cases) {
      const file = structuredClone(compose);
      change(file);
      assert.match(check(file).join('\n'), expected);
    }

    const reads = environmentReadsIn(
      "// A_COMMENT\nconst a = env.BY_PROPERTY ?? process.env['BY_INDEX'];\nthrow new Error('IN_A_MESSAGE');",
      'x.ts',
    );
    assert.deepEqual([...reads].sort(), ['BY_INDEX', 'BY_PROPERTY']);
    const image = dockerfileProblems(
      dockerfileStages(
        'FROM node AS b\nRUN npm ci\nFROM node\nCOPY . .\nRUN npm ci\nENTRYPOINT ["node", "lib/cli/main.js"]',
      ),
      'lib/src/cli/main.js',
      ['package.json'],
    );
    assert.match(image.join('\n'), /without TEMPORAL_SKIP_BINARY_INSTALL.*\n.*before copying package.json/);
    assert.match(image.join('\n'), /--omit=dev[\s\S]*non-root USER[\s\S]*lib\/cli\/main\.js[\s\S]*CMD/);
  });
});
