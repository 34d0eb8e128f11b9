// The production shape (docker-compose.yml, Dockerfile) checked against the code and the README: no
// Docker engine needed. Each check is a small pure function returning the problems it finds, so the
// self-checks below can show that it flags a broken file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import ts from 'typescript';
import { parseDocument } from 'yaml';
import { DEFAULT_CALLBACK_PORT, HEALTH_PATH, startCallbackServer } from '../src/callbacks/server.js';
import { SEARCH_ATTRIBUTES } from '../src/contract/index.js';
import { shutdownGraceMsFromEnv } from '../src/worker.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Bounds every CLI run: a hung command fails the test instead of hanging it. */
const CLI_TIMEOUT_MS = 60_000;
const CLI_SOURCE = 'src/cli/main.ts';

// ---------------------------------------------------------------------------------------------------
// The model of a Compose file, as far as these checks read it.

type Environment = Record<string, string | null> | string[];
type Port = string | number | { target?: number | string; published?: number | string };

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Environment;
  ports?: Port[];
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  healthcheck?: { test?: string | string[] };
  stop_grace_period?: string;
}

interface Compose {
  services: Record<string, Service>;
}

/** The services the file must have; the emulator, for local use, only under its profile. */
const EXPECTED_SERVICES = [
  'postgresql',
  'temporal',
  'search-attributes',
  'temporal-ui',
  'worker',
  'callbacks',
  'emulator',
];
const APP_SERVICES = ['worker', 'callbacks', 'emulator'];
const PROFILED: Record<string, string> = { emulator: 'emulator' };

/**
 * How each service built from this repository listens: a port from an environment variable or a
 * command option, else the code's default; a host that must be every interface to be published.
 */
interface Listener {
  portVariable?: string;
  portFlag?: string;
  hostVariable?: string;
  hostFlag?: string;
  /** The origin the service names in its answers; it must be how other services reach it. */
  publicUrlFlag?: string;
  defaultPort: number;
}
const LISTENERS: Record<string, Listener> = {
  callbacks: {
    portVariable: 'SWEDBANK_PAY_CALLBACK_PORT',
    hostVariable: 'SWEDBANK_PAY_CALLBACK_HOST',
    defaultPort: DEFAULT_CALLBACK_PORT,
  },
  // The emulator command's own default (src/cli/service-commands.ts).
  emulator: { portFlag: '--port', hostFlag: '--host', publicUrlFlag: '--public-url', defaultPort: 8088 },
};
const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]']);

// ---------------------------------------------------------------------------------------------------
// Small readers.

function parseCompose(text: string): { compose: Compose; errors: string[] } {
  const doc = parseDocument(text, { merge: true });
  const errors = [...doc.errors, ...doc.warnings].map((e) => e.message);
  return { compose: doc.toJS() as Compose, errors };
}

function environmentOf(service: Service): Record<string, string | undefined> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, undefined] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}

/**
 * The value a container gets when the shell sets nothing: `${X:-d}` and `${X-d}` give d, `${X:?msg}`
 * and a bare `${X}` nothing known; a literal is itself (with `$$` unescaped).
 */
function valueWithoutShell(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const whole = /^\$\{(\w+)(?:(:?-)(.*)|(:?\?).*)?\}$/s.exec(value);
  if (whole) return whole[2] !== undefined ? whole[3] : undefined;
  return value.replaceAll('$$', '$');
}

function commandOf(service: Service): string[] | undefined {
  if (service.command === undefined) return undefined;
  return Array.isArray(service.command) ? service.command.map(String) : undefined;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) return args[i + 1];
    if (args[i]!.startsWith(`${flag}=`)) return args[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** host and container ports of one `ports:` entry (short or long syntax). */
function portMapping(port: Port): { published?: string; target?: string } {
  if (typeof port === 'object') {
    return {
      ...(port.published !== undefined && { published: String(port.published) }),
      ...(port.target !== undefined && { target: String(port.target) }),
    };
  }
  const parts = String(port)
    .replace(/\/(tcp|udp)$/, '')
    .split(':');
  const target = parts.at(-1);
  const published = parts.length >= 2 ? parts.at(-2) : undefined;
  return { ...(published !== undefined && published !== '' && { published }), ...(target && { target }) };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `text` names `word` on its own (not as part of a longer name, tag or number). */
function mentions(text: string, word: string): boolean {
  return new RegExp(`(?<![\\w./-])${escapeRegExp(word)}(?![\\w.-]*\\w)`).test(text);
}

/** Compose durations: 45s, 1m30s, 500ms, 1h. */
function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== String(text)) return undefined;
  return parts.reduce((sum, p) => sum + Number(p[1]) * units[p[2]!]!, 0);
}

// ---------------------------------------------------------------------------------------------------
// The checks. Each returns its problems; none means the file is right.

function serviceProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const names = Object.keys(compose.services ?? {});
  for (const name of EXPECTED_SERVICES) if (!names.includes(name)) problems.push(`service ${name} is missing`);
  for (const name of names) if (!EXPECTED_SERVICES.includes(name)) problems.push(`unexpected service ${name}`);
  for (const [name, service] of Object.entries(compose.services ?? {})) {
    const wanted = PROFILED[name];
    const profiles = service.profiles ?? [];
    if (wanted && !(profiles.length === 1 && profiles[0] === wanted)) {
      problems.push(`${name} must be only in profile ${wanted} (got ${JSON.stringify(profiles)})`);
    }
    if (!wanted && profiles.length > 0) problems.push(`${name} must start without a profile`);
    const built = typeof service.build === 'string' ? service.build : service.build?.context;
    if (APP_SERVICES.includes(name)) {
      if (built !== '.') problems.push(`${name} must be built from this repository (build: .)`);
      if (service.image !== undefined) problems.push(`${name} must not name an image; it is built here`);
      const command = commandOf(service);
      if (!command || command.length === 0) problems.push(`${name} needs a command in exec form (a list)`);
    }
    const dependencies = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const dependency of dependencies) {
      if (!compose.services[dependency]) problems.push(`${name} depends on unknown service ${dependency}`);
      else if (PROFILED[dependency] && !wanted) {
        problems.push(`${name} depends on ${dependency}, which only starts with its profile`);
      }
    }
  }
  return problems;
}

/** Every `image:` has a tag (or digest) other than latest. */
function imageProblems(compose: Compose): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image === undefined) continue;
    const [reference, digest] = service.image.split('@');
    const lastPart = reference!.split('/').at(-1)!;
    const tag = lastPart.includes(':') ? lastPart.slice(lastPart.indexOf(':') + 1) : undefined;
    if (tag === undefined && digest === undefined) problems.push(`${name}: image ${service.image} has no tag`);
    if (tag === 'latest') problems.push(`${name}: image ${service.image} is not pinned (latest)`);
    if (service.image.includes('${')) problems.push(`${name}: image ${service.image} depends on the shell`);
  }
  return problems;
}

/** Every variable set for a service built here is one the code (or Temporal's envconfig) reads. */
function environmentProblems(compose: Compose, readByCode: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const name of APP_SERVICES) {
    const service = compose.services[name];
    if (!service) continue;
    for (const variable of Object.keys(environmentOf(service))) {
      if (!readByCode.has(variable)) problems.push(`${name}: ${variable} is not read anywhere in src/`);
    }
  }
  return problems;
}

/** The images, the variables of the services built here and every published port, named in the README. */
function readmeProblems(compose: Compose, readme: string): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.image !== undefined && !mentions(readme, service.image)) {
      problems.push(`README.md does not name the image ${service.image} (${name})`);
    }
    if (APP_SERVICES.includes(name)) {
      for (const variable of Object.keys(environmentOf(service))) {
        if (!mentions(readme, variable)) problems.push(`README.md does not document ${variable} (${name})`);
      }
    }
    for (const port of service.ports ?? []) {
      const { published } = portMapping(port);
      if (published !== undefined && !mentions(readme, published)) {
        problems.push(`README.md does not mention port ${published} (${name})`);
      }
    }
  }
  return problems;
}

/** The port and host a service built here listens on, as its environment or command sets them. */
function listenerOf(service: Service, listener: Listener): { port?: string; host?: string } {
  const env = environmentOf(service);
  const args = commandOf(service) ?? [];
  const port = listener.portVariable
    ? valueWithoutShell(env[listener.portVariable])
    : listener.portFlag
      ? flagValue(args, listener.portFlag)
      : undefined;
  const host = listener.hostVariable
    ? valueWithoutShell(env[listener.hostVariable])
    : listener.hostFlag
      ? flagValue(args, listener.hostFlag)
      : undefined;
  return {
    port: port === undefined || port === '' ? String(listener.defaultPort) : port,
    ...(host !== undefined && { host }),
  };
}

/** Published ports of the services built here match the port they listen on, on every interface. */
function portProblems(compose: Compose, listeners: Record<string, Listener> = LISTENERS): string[] {
  const problems: string[] = [];
  for (const name of APP_SERVICES) {
    const service = compose.services[name];
    if (!service) continue;
    const ports = service.ports ?? [];
    const listener = listeners[name];
    if (!listener) {
      if (ports.length > 0) problems.push(`${name} publishes ports but serves nothing`);
      continue;
    }
    const listening = listenerOf(service, listener);
    if (ports.length === 0) problems.push(`${name} listens on ${listening.port} but publishes no port`);
    for (const port of ports) {
      const { target } = portMapping(port);
      if (target !== listening.port) {
        problems.push(`${name} publishes container port ${target} but listens on ${listening.port}`);
      }
    }
    if (!ALL_INTERFACES.has(listening.host ?? '')) {
      problems.push(
        `${name} listens on ${listening.host ?? 'its default host (loopback)'}: not reachable when published`,
      );
    }
    if (listener.publicUrlFlag) {
      const publicUrl = flagValue(commandOf(service) ?? [], listener.publicUrlFlag);
      const url = publicUrl !== undefined && URL.canParse(publicUrl) ? new URL(publicUrl) : undefined;
      if (!url) problems.push(`${name} needs ${listener.publicUrlFlag} http://${name}:${listening.port}`);
      else if (url.hostname !== name || (url.port || '80') !== listening.port) {
        problems.push(`${name} ${listener.publicUrlFlag} ${publicUrl} is not http://${name}:${listening.port}`);
      }
    }
  }
  return problems;
}

/** The URL a healthcheck fetches, if it is an exec-form node one-liner. */
function healthcheckUrl(service: Service): URL | undefined {
  const test = service.healthcheck?.test;
  if (!Array.isArray(test)) return undefined;
  const match = /https?:\/\/[^'"`\s)]+/.exec(test.join(' '));
  return match ? new URL(match[0]) : undefined;
}

/** The callback receiver's healthcheck: node (the slim image has no curl), its own port, /healthz. */
function healthcheckProblems(compose: Compose, healthPath = HEALTH_PATH): string[] {
  const service = compose.services.callbacks;
  if (!service) return ['callbacks is missing'];
  const problems: string[] = [];
  const test = service.healthcheck?.test;
  if (!Array.isArray(test) || test[0] !== 'CMD' || test[1] !== 'node' || test[2] !== '-e' || test.length !== 4) {
    return [`callbacks healthcheck must be ['CMD', 'node', '-e', <script>], got ${JSON.stringify(test)}`];
  }
  const url = healthcheckUrl(service);
  const listening = listenerOf(service, LISTENERS.callbacks!);
  if (!url) return ['callbacks healthcheck fetches no URL'];
  if (url.port !== listening.port) problems.push(`callbacks healthcheck uses port ${url.port}, not ${listening.port}`);
  if (url.pathname !== healthPath) problems.push(`callbacks healthcheck fetches ${url.pathname}, not ${healthPath}`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    problems.push(`callbacks healthcheck must ask loopback, got ${url.hostname}`);
  }
  return problems;
}

/** SIGTERM drains the worker: Compose waits longer than the worker's own shutdown grace. */
function stopGraceProblems(compose: Compose, defaultGraceMs: number): string[] {
  const worker = compose.services.worker;
  if (!worker) return ['worker is missing'];
  const configured = valueWithoutShell(environmentOf(worker).WORKER_SHUTDOWN_GRACE_MS);
  const graceMs = configured === undefined ? defaultGraceMs : Number(configured);
  const stopMs = durationMs(worker.stop_grace_period);
  if (stopMs === undefined) return [`worker stop_grace_period is not a duration: ${worker.stop_grace_period}`];
  return stopMs > graceMs
    ? []
    : [`worker stop_grace_period (${stopMs} ms) must exceed the shutdown grace (${graceMs} ms)`];
}

/** Temporal's type names as `temporal operator search-attribute create --type` takes them. */
function cliTypeName(type: string): string {
  return type.toLowerCase().replaceAll('_', '');
}

/** The one-shot service registers exactly SEARCH_ATTRIBUTES, in the namespace the services use. */
function searchAttributeProblems(compose: Compose, expected: readonly { name: string; type: string }[]): string[] {
  const service = compose.services['search-attributes'];
  if (!service) return ['search-attributes is missing'];
  const problems: string[] = [];
  const env = environmentOf(service);
  const listed = (env.SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter((entry) => entry !== '');
  const registered = new Map<string, string>();
  for (const entry of listed) {
    const [name, type, extra] = entry.split('=');
    if (!name || !type || extra !== undefined) problems.push(`search-attributes: "${entry}" is not Name=Type`);
    else if (registered.has(name)) problems.push(`search-attributes: ${name} is listed twice`);
    else registered.set(name, type);
  }
  for (const { name, type } of expected) {
    const got = registered.get(name);
    if (got === undefined) problems.push(`search-attributes does not register ${name}`);
    else if (cliTypeName(got) !== cliTypeName(type))
      problems.push(`search-attributes registers ${name} as ${got}, not ${type}`);
  }
  for (const name of registered.keys()) {
    if (!expected.some((attribute) => attribute.name === name))
      problems.push(`search-attributes registers unknown ${name}`);
  }
  const script = [service.entrypoint, service.command]
    .flat()
    .filter((part) => part !== undefined)
    .join(' ');
  if (!/\$\$\{?SEARCH_ATTRIBUTES\b/.test(script))
    problems.push('search-attributes never uses its SEARCH_ATTRIBUTES list');
  if (!script.includes('temporal operator search-attribute create')) problems.push('search-attributes creates nothing');
  const namespace = valueWithoutShell(env.TEMPORAL_NAMESPACE) ?? 'default';
  if (!/--namespace "?\$\$\{?TEMPORAL_NAMESPACE\b/.test(script)) {
    problems.push('search-attributes must create in its TEMPORAL_NAMESPACE');
  }
  for (const name of ['worker', 'callbacks']) {
    const other = compose.services[name];
    if (!other) continue;
    const theirs = valueWithoutShell(environmentOf(other).TEMPORAL_NAMESPACE) ?? 'default';
    if (theirs !== namespace) problems.push(`${name} uses namespace ${theirs}, search attributes go to ${namespace}`);
  }
  const waits = compose.services.worker?.depends_on;
  const condition = waits && !Array.isArray(waits) ? waits['search-attributes']?.condition : undefined;
  if (condition !== 'service_completed_successfully') {
    problems.push('worker must wait for search-attributes to complete successfully');
  }
  return problems;
}

/** The commands of the services built here (and the image's default), as [command, ...args]. */
function cliInvocations(compose: Compose, imageDefault: string[] | undefined): Map<string, string[][]> {
  const byCommand = new Map<string, string[][]>();
  const all = [...APP_SERVICES.map((name) => commandOf(compose.services[name] ?? {})), imageDefault];
  for (const args of all) {
    if (!args || args.length === 0) continue;
    byCommand.set(args[0]!, [...(byCommand.get(args[0]!) ?? []), args]);
  }
  return byCommand;
}

/** What `<command> --help` must show: success, the command's name, every option the file passes. */
function helpProblems(
  command: string,
  invocations: readonly string[][],
  help: { code: number | null; output: string },
): string[] {
  const problems: string[] = [];
  if (help.code !== 0) problems.push(`\`${command} --help\` exited with ${help.code}`);
  if (!help.output.includes(command)) problems.push(`\`${command} --help\` does not mention ${command}`);
  for (const args of invocations) {
    for (const arg of args.slice(1)) {
      const flag = /^--[\w-]+/.exec(arg)?.[0];
      if (flag && !mentions(help.output, flag)) problems.push(`\`${command} --help\` does not know ${flag}`);
    }
  }
  return problems;
}

// --- Dockerfile -------------------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const stages: Stage[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(trimmed) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ from, ...(name && { name }), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

function execForm(args: string | undefined): string[] | undefined {
  if (args === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function lastInstruction(stage: Stage, op: string): string | undefined {
  return stage.instructions.filter((i) => i.op === op).at(-1)?.args;
}

/** Variables an ENV line sets: `ENV A=1 B=2` or `ENV A 1`. */
function envNames(args: string): string[] {
  return args.includes('=') ? [...args.matchAll(/(\w+)=/g)].map((m) => m[1]!) : [args.split(/\s+/)[0]!];
}

/** Whether the COPY lines so far put a file of the build context at the same path under WORKDIR. */
function copiedFiles(instructions: readonly Instruction[]): (file: string) => boolean {
  let workdir = '/';
  const copies: { sources: string[]; dest: string }[] = [];
  for (const { op, args } of instructions) {
    if (op === 'WORKDIR') workdir = posix.resolve(workdir, args.trim());
    if (op !== 'COPY' || /--from/.test(args)) continue;
    const parts = args.split(/\s+/).filter((part) => !part.startsWith('--'));
    const dest = parts.at(-1)!;
    const resolved = posix.resolve(workdir, dest);
    copies.push({ sources: parts.slice(0, -1), dest: dest.endsWith('/') ? `${resolved}/` : resolved });
  }
  return (file) => {
    const wanted = posix.resolve(workdir, file);
    return copies.some(({ sources, dest }) =>
      sources.some((source) => {
        const src = posix.normalize(source).replace(/\/$/, '');
        let landed: string | undefined;
        if (src === file) landed = dest.endsWith('/') ? posix.join(dest, posix.basename(file)) : dest;
        else if (src === '.' || file.startsWith(`${src}/`)) landed = posix.join(dest, posix.relative(src, file));
        return landed === wanted;
      }),
    );
  };
}

interface ImageExpectations {
  /** The CLI's compiled entry point, relative to the image's WORKDIR. */
  entryFile: string;
  /** Files `npm ci` needs, postinstall's script and what it imports included. */
  installFiles: readonly string[];
}

function dockerfileProblems(stages: readonly Stage[], expected: ImageExpectations): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push('the Dockerfile must build in one stage and run in another');
  const final = stages.at(-1);
  if (!final) return [...problems, 'the Dockerfile has no stage'];
  for (const [index, stage] of stages.entries()) {
    const label = stage.name ?? `stage ${index + 1}`;
    const install = stage.instructions.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    if (install < 0) {
      problems.push(`${label} does not run npm ci`);
      continue;
    }
    const before = stage.instructions.slice(0, install);
    const skips = before.some((i) => i.op === 'ENV' && envNames(i.args).includes('TEMPORAL_SKIP_BINARY_INSTALL'));
    if (!skips) problems.push(`${label} runs npm ci without TEMPORAL_SKIP_BINARY_INSTALL`);
    const copied = copiedFiles(before);
    for (const file of expected.installFiles) {
      if (!copied(file)) problems.push(`${label} runs npm ci before copying ${file}`);
    }
  }
  const finalInstall = final.instructions.find((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
  if (finalInstall && !/--omit[= ]dev\b/.test(finalInstall.args)) {
    problems.push('the final stage must install production dependencies only (npm ci --omit=dev)');
  }
  const user = lastInstruction(final, 'USER');
  if (!user || /^(root|0)(:|$)/.test(user)) problems.push('the final stage must run as a non-root USER');
  const entrypoint = execForm(lastInstruction(final, 'ENTRYPOINT'));
  if (!entrypoint || entrypoint[0] !== 'node' || entrypoint.length !== 2) {
    problems.push(`ENTRYPOINT must be ["node", "${expected.entryFile}"], got ${lastInstruction(final, 'ENTRYPOINT')}`);
  } else if (entrypoint[1] !== expected.entryFile) {
    problems.push(`ENTRYPOINT runs ${entrypoint[1]}, but the build compiles the CLI to ${expected.entryFile}`);
  }
  const fromBuild = final.instructions
    .filter((i) => i.op === 'COPY' && /--from=/.test(i.args))
    .map((i) => i.args.split(/\s+/).filter((part) => !part.startsWith('--'))[0]!);
  const topDir = expected.entryFile.split('/')[0]!;
  if (!fromBuild.some((source) => source.replace(/\/$/, '').split('/').at(-1) === topDir)) {
    problems.push(`the final stage does not copy ${topDir}/ from the build stage`);
  }
  const cmd = execForm(lastInstruction(final, 'CMD'));
  if (!cmd || cmd.length === 0) problems.push('CMD must name the default command in exec form');
  if (final.instructions.some((i) => i.op === 'HEALTHCHECK' && !/^NONE\b/i.test(i.args))) {
    problems.push('a HEALTHCHECK in the image applies to every command; declare it per service in Compose');
  }
  return problems;
}

// --- What the code reads ----------------------------------------------------------------------------

/**
 * Names the code can read a variable by: property names (`env.X`), binding names and whole string
 * literals (`env['X']`, `const VAR = 'X'`). Comments, help texts and messages do not count.
 */
function namesReadIn(source: string, fileName = 'source.ts'): { names: Set<string>; imports: Set<string> } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const imports = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) names.add(node.name.text);
    else if (ts.isBindingElement(node)) {
      if (node.propertyName && ts.isIdentifier(node.propertyName)) names.add(node.propertyName.text);
      else if (ts.isIdentifier(node.name)) names.add(node.name.text);
    } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      names.add(node.text);
      if (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)) imports.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { names, imports };
}

function filesUnder(dir: string, extension: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => extension.test(file))
    .map((file) => join(dir, file));
}

/** Variables read by src/, plus those Temporal's envconfig reads when src/ hands it the environment. */
function variablesReadByCode(): Set<string> {
  const names = new Set<string>();
  const imports = new Set<string>();
  for (const file of filesUnder(join(ROOT, 'src'), /\.ts$/)) {
    const found = namesReadIn(readFileSync(file, 'utf8'), file);
    found.names.forEach((name) => names.add(name));
    found.imports.forEach((name) => imports.add(name));
  }
  if (imports.has('@temporalio/envconfig')) {
    const require = createRequire(join(ROOT, 'package.json'));
    const dir = dirname(require.resolve('@temporalio/envconfig'));
    for (const file of filesUnder(dir, /\.js$/)) {
      namesReadIn(readFileSync(file, 'utf8'), file).names.forEach((name) => {
        if (name.startsWith('TEMPORAL_')) names.add(name);
      });
    }
  }
  return names;
}

/** Where the build puts the CLI: the build script's tsconfig, its rootDir and outDir. */
function compiledEntry(): { entryFile: string; problems: string[] } {
  const problems: string[] = [];
  const pkg = JSON.parse(read('package.json')) as { scripts?: Record<string, string> };
  const project = /(?:-p|--project)\s+(\S+)/.exec(pkg.scripts?.build ?? '')?.[1];
  if (!project) return { entryFile: '', problems: ['the build script names no tsconfig (tsc -p ...)'] };
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, project),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => problems.push(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    },
  );
  if (!parsed) return { entryFile: '', problems };
  const source = join(ROOT, CLI_SOURCE);
  if (!existsSync(source)) problems.push(`${CLI_SOURCE} does not exist`);
  if (!parsed.fileNames.map((f) => join(f)).includes(source))
    problems.push(`${project} does not compile ${CLI_SOURCE}`);
  const { outDir, rootDir } = parsed.options;
  if (!outDir) problems.push(`${project} has no outDir`);
  const out = join(outDir ?? ROOT, relative(rootDir ?? join(ROOT, 'src'), source)).replace(/\.ts$/, '.js');
  return { entryFile: relative(ROOT, out).split('\\').join('/'), problems };
}

/** Scripts of the root package that `npm ci` runs. */
const NPM_CI_SCRIPTS = ['preinstall', 'install', 'postinstall', 'preprepare', 'prepare', 'postprepare'];

/** The scripts `npm ci` runs and the project files they import, transitively (what `npm ci` needs). */
function installFiles(): string[] {
  const pkg = JSON.parse(read('package.json')) as { scripts?: Record<string, string> };
  const files = new Set(['package.json', 'package-lock.json']);
  const pending = NPM_CI_SCRIPTS.flatMap((name) => /(\S+\.[cm]?[jt]s)\b/.exec(pkg.scripts?.[name] ?? '')?.[1] ?? []);
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of namesReadIn(read(file), file).imports) {
      if (!specifier.startsWith('.')) continue;
      const target = join(dirname(file), specifier);
      const source = existsSync(join(ROOT, target)) ? target : target.replace(/\.js$/, '.ts');
      pending.push(source.split('\\').join('/'));
    }
  }
  return [...files];
}

function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI_SOURCE, ...args],
      { cwd: ROOT, timeout: CLI_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

function runNode(args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { timeout: 30_000 }, (err) => {
      resolve(err ? (typeof err.code === 'number' ? err.code : null) : 0);
    });
  });
}

const expectedAttributes = SEARCH_ATTRIBUTES.map((key) => ({ name: key.name, type: String(key.type) }));

function loadCompose(): Compose {
  const { compose, errors } = parseCompose(read('docker-compose.yml'));
  assert.deepEqual(errors, [], 'docker-compose.yml is not clean YAML');
  return compose;
}

// ---------------------------------------------------------------------------------------------------

describe('docker-compose.yml and Dockerfile', () => {
  const compose = loadCompose();
  const stages = parseDockerfile(read('Dockerfile'));
  const readme = read('README.md');

  it('has the expected services, the emulator only under its profile', () => {
    assert.deepEqual(serviceProblems(compose), []);
  });

  it('pins every image', () => {
    assert.deepEqual(imageProblems(compose), []);
  });

  it('sets only variables the code reads', () => {
    assert.deepEqual(environmentProblems(compose, variablesReadByCode()), []);
  });

  it('publishes the ports the services listen on', () => {
    assert.deepEqual(portProblems(compose), []);
  });

  it("checks the callback receiver's health on its own port and path", () => {
    assert.deepEqual(healthcheckProblems(compose), []);
  });

  it('gives the worker time to drain on SIGTERM', () => {
    assert.deepEqual(stopGraceProblems(compose, shutdownGraceMsFromEnv({})), []);
  });

  it('registers exactly the search attributes of src/search-attributes.ts', () => {
    assert.equal(expectedAttributes.length, 6);
    assert.deepEqual(searchAttributeProblems(compose, expectedAttributes), []);
  });

  it("runs the CLI's compiled entry point in a sound image", () => {
    const { entryFile, problems } = compiledEntry();
    assert.deepEqual(problems, []);
    assert.equal(entryFile, 'lib/src/cli/main.js');
    assert.deepEqual(dockerfileProblems(stages, { entryFile, installFiles: installFiles() }), []);
  });

  it('runs only real CLI commands with options they know', async () => {
    const imageDefault = execForm(lastInstruction(stages.at(-1)!, 'CMD'));
    const invocations = cliInvocations(compose, imageDefault);
    assert.deepEqual([...invocations.keys()].sort(), ['callbacks', 'emulator', 'worker']);
    const results = await Promise.all(
      [...invocations].map(async ([command, uses]) => helpProblems(command, uses, await runCli([command, '--help']))),
    );
    assert.deepEqual(results.flat(), []);
  });

  it("the callback receiver's healthcheck passes on a live receiver and fails without one", async () => {
    const test = compose.services.callbacks?.healthcheck?.test;
    assert.ok(Array.isArray(test));
    const url = healthcheckUrl(compose.services.callbacks!)!;
    const server = await startCallbackServer({ client: {} as Client, port: 0, host: '127.0.0.1' });
    const script = test[3]!.replace(url.origin, `http://127.0.0.1:${server.port}`);
    assert.notEqual(script, test[3], 'the healthcheck URL was not found in the script');
    try {
      assert.equal(await runNode(['-e', script]), 0);
    } finally {
      await server.close();
    }
    assert.equal(await runNode(['-e', script]), 1);
  });

  it('README.md names every image, variable and published port', () => {
    assert.deepEqual(readmeProblems(compose, readme), []);
  });
});

describe('the checks flag a broken file', () => {
  const good = loadCompose();
  const broken = (change: (compose: Compose) => void): Compose => {
    const copy = structuredClone(good);
    change(copy);
    return copy;
  };

  it('a missing service, an emulator without its profile, a dependency on it', () => {
    const problems = serviceProblems(
      broken((c) => {
        delete c.services['temporal-ui'];
        delete c.services.emulator!.profiles;
        c.services.worker!.depends_on = ['emulator'];
      }),
    );
    assert.ok(problems.some((p) => /temporal-ui is missing/.test(p)));
    assert.ok(problems.some((p) => /emulator must be only in profile emulator/.test(p)));
    assert.equal(serviceProblems(broken((c) => (c.services.worker!.depends_on = ['emulator']))).length, 1);
  });

  it('an unpinned image', () => {
    const problems = imageProblems(
      broken((c) => {
        c.services.postgresql!.image = 'postgres:latest';
        c.services['temporal-ui']!.image = 'temporalio/ui';
      }),
    );
    assert.ok(problems.some((p) => /postgres:latest is not pinned/.test(p)));
    assert.ok(problems.some((p) => /temporalio\/ui has no tag/.test(p)));
    assert.deepEqual(imageProblems(broken((c) => (c.services.postgresql!.image = 'localhost:5000/pg'))), [
      'postgresql: image localhost:5000/pg has no tag',
    ]);
  });

  it('a variable no code reads', () => {
    const known = new Set(['SWEDBANK_PAY_TOKEN']);
    const compose = broken((c) => {
      c.services.worker!.environment = { SWEDBANK_PAY_TOKEN: 'x', SWEDBANK_PAY_TOKN: 'x' };
      c.services.callbacks!.environment = ['SWEDBANK_PAY_CALLBACK_PROT=8089'];
      c.services.emulator!.environment = {};
    });
    assert.deepEqual(environmentProblems(compose, known), [
      'worker: SWEDBANK_PAY_TOKN is not read anywhere in src/',
      'callbacks: SWEDBANK_PAY_CALLBACK_PROT is not read anywhere in src/',
    ]);
  });

  it('only code, not comments or messages, counts as reading a variable', () => {
    const { names } = namesReadIn(
      [
        '// IN_A_COMMENT',
        "const a = process.env.BY_PROPERTY ?? env['BY_INDEX'];",
        "throw new Error('IN_A_MESSAGE is wrong');",
      ].join('\n'),
    );
    assert.ok(names.has('BY_PROPERTY') && names.has('BY_INDEX'));
    assert.ok(!names.has('IN_A_COMMENT') && !names.has('IN_A_MESSAGE'));
  });

  it('a README that misses an image, a variable or a port', () => {
    const readme = 'postgres:16 temporalio/auto-setup:1.27.2 8080';
    const compose = broken((c) => {
      c.services = {
        postgresql: c.services.postgresql!,
        temporal: c.services.temporal!,
        worker: { environment: { TEMPORAL_ADDRESS: 'x' } },
      };
      c.services.temporal!.ports = ['7233:7233'];
    });
    assert.deepEqual(readmeProblems(compose, readme), [
      'README.md does not mention port 7233 (temporal)',
      'README.md does not document TEMPORAL_ADDRESS (worker)',
    ]);
    // A longer tag or name is not the one in the file.
    assert.equal(
      readmeProblems(compose, 'postgres:16.4 temporalio/auto-setup:1.27.2 8080 7233 TEMPORAL_ADDRESS_X').length,
      2,
    );
  });

  it('a published port the service does not listen on, or a loopback host', () => {
    assert.deepEqual(portProblems(broken((c) => (c.services.callbacks!.ports = ['8090:8090']))), [
      'callbacks publishes container port 8090 but listens on 8089',
    ]);
    assert.deepEqual(
      portProblems(
        broken(
          (c) =>
            (c.services.emulator!.command = [
              'emulator',
              '--host',
              '0.0.0.0',
              '--port',
              '9999',
              '--public-url',
              'http://emulator:9999',
            ]),
        ),
      ),
      ['emulator publishes container port 8088 but listens on 9999'],
    );
    assert.deepEqual(portProblems(broken((c) => (c.services.emulator!.command = ['emulator']))), [
      'emulator listens on its default host (loopback): not reachable when published',
      'emulator needs --public-url http://emulator:8088',
    ]);
    assert.deepEqual(
      portProblems(
        broken(
          (c) =>
            (c.services.emulator!.command = ['emulator', '--host', '0.0.0.0', '--public-url', 'http://0.0.0.0:8088']),
        ),
      ),
      ['emulator --public-url http://0.0.0.0:8088 is not http://emulator:8088'],
    );
    assert.deepEqual(
      portProblems(
        broken((c) => delete (c.services.callbacks!.environment as Record<string, string>).SWEDBANK_PAY_CALLBACK_HOST),
      ),
      ['callbacks listens on its default host (loopback): not reachable when published'],
    );
    assert.deepEqual(portProblems(broken((c) => (c.services.worker!.ports = ['9000:9000']))), [
      'worker publishes ports but serves nothing',
    ]);
    assert.deepEqual(portMapping('127.0.0.1:8089:8090/tcp'), { published: '8089', target: '8090' });
    assert.deepEqual(portMapping({ target: 8089, published: '18089' }), { published: '18089', target: '8089' });
  });

  it('a healthcheck on another port or path', () => {
    const script = (url: string) => `fetch('${url}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
    const problems = healthcheckProblems(
      broken(
        (c) =>
          (c.services.callbacks!.healthcheck = { test: ['CMD', 'node', '-e', script('http://127.0.0.1:8090/health')] }),
      ),
    );
    assert.deepEqual(problems, [
      'callbacks healthcheck uses port 8090, not 8089',
      'callbacks healthcheck fetches /health, not /healthz',
    ]);
    assert.equal(
      healthcheckProblems(
        broken(
          (c) => (c.services.callbacks!.healthcheck = { test: ['CMD', 'curl', '-f', 'http://127.0.0.1:8089/healthz'] }),
        ),
      ).length,
      1,
    );
  });

  it('a stop grace period shorter than the shutdown grace', () => {
    assert.equal(
      stopGraceProblems(
        broken((c) => (c.services.worker!.stop_grace_period = '20s')),
        30_000,
      ).length,
      1,
    );
    assert.equal(
      stopGraceProblems(
        broken((c) => (c.services.worker!.stop_grace_period = '30s')),
        30_000,
      ).length,
      1,
    );
    assert.deepEqual(
      stopGraceProblems(
        broken((c) => (c.services.worker!.stop_grace_period = '1m')),
        30_000,
      ),
      [],
    );
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs('45 seconds'), undefined);
  });

  it('a search attribute missing, of another type, unknown, or not in the namespace the worker uses', () => {
    const env = (c: Compose) => c.services['search-attributes']!.environment as Record<string, string>;
    const problems = searchAttributeProblems(
      broken((c) => {
        env(c).SEARCH_ATTRIBUTES = env(c)
          .SEARCH_ATTRIBUTES!.replace('SwedbankPayOrderId=Keyword', 'SwedbankPayOrderId=Text')
          .replace('SwedbankPayNeedsAttention=Bool', 'SwedbankPayFlag=Bool');
        env(c).TEMPORAL_NAMESPACE = 'payments';
      }),
      expectedAttributes,
    );
    assert.deepEqual(problems, [
      'search-attributes registers SwedbankPayOrderId as Text, not KEYWORD',
      'search-attributes does not register SwedbankPayNeedsAttention',
      'search-attributes registers unknown SwedbankPayFlag',
      'worker uses namespace default, search attributes go to payments',
      'callbacks uses namespace default, search attributes go to payments',
    ]);
  });

  it('a command the CLI lacks, or an option it does not know', () => {
    assert.deepEqual(helpProblems('worker', [['worker']], { code: 2, output: 'unknown command: wrker' }), [
      '`worker --help` exited with 2',
      '`worker --help` does not mention worker',
    ]);
    assert.deepEqual(
      helpProblems('emulator', [['emulator', '--hots', '0.0.0.0']], {
        code: 0,
        output: 'Usage: emulator --host --port',
      }),
      ['`emulator --help` does not know --hots'],
    );
  });

  it('an image that runs the wrong file, as root, with dev dependencies', () => {
    const dockerfile = [
      'FROM node:20 AS build',
      'COPY package.json package-lock.json ./',
      'RUN npm ci',
      'FROM node:20',
      'ENV TEMPORAL_SKIP_BINARY_INSTALL=1',
      'COPY . .',
      'RUN npm ci',
      'COPY --from=build /app/lib ./lib',
      'HEALTHCHECK CMD node -e "1"',
      'ENTRYPOINT ["node", "lib/cli/main.js"]',
    ].join('\n');
    const problems = dockerfileProblems(parseDockerfile(dockerfile), {
      entryFile: 'lib/src/cli/main.js',
      installFiles: ['package.json', 'package-lock.json', 'scripts/install-temporal.ts'],
    });
    assert.deepEqual(problems, [
      'build runs npm ci without TEMPORAL_SKIP_BINARY_INSTALL',
      'build runs npm ci before copying scripts/install-temporal.ts',
      'the final stage must install production dependencies only (npm ci --omit=dev)',
      'the final stage must run as a non-root USER',
      'ENTRYPOINT runs lib/cli/main.js, but the build compiles the CLI to lib/src/cli/main.js',
      'CMD must name the default command in exec form',
      'a HEALTHCHECK in the image applies to every command; declare it per service in Compose',
    ]);
  });

  it('a value without the shell: defaults, required variables and literals', () => {
    assert.equal(valueWithoutShell('${X:-temporal:7233}'), 'temporal:7233');
    assert.equal(valueWithoutShell('${X:?set X}'), undefined);
    assert.equal(valueWithoutShell('${X}'), undefined);
    assert.equal(valueWithoutShell('8089'), '8089');
  });
});
