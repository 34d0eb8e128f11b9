// The code's shape, checked without a server: no import cycle anywhere in src/, and the workflow
// bundle (what every cached workflow evaluates) holds only the contract, the pure core and the
// workflow: no HTTP client, no zod.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quietBundlerLogger } from '../../src/temporal/logging.js';
import { workflowsPath } from '../../src/worker.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every module of src/ and the modules of src/ it imports (type-only imports included). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const path = join(SRC, file);
    const source = readFileSync(path, 'utf8');
    const targets = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/g)]
      .map((m) => resolve(dirname(path), m[1]!.replace(/\.js$/, '.ts')))
      .map((target) => relative(SRC, target));
    graph.set(file, targets);
  }
  return graph;
}

function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'visiting') {
      found.push([...stack.slice(stack.indexOf(node)), node]);
      return;
    }
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node);
  return found;
}

describe('code layering', () => {
  it('has no import cycle in src/', (t) => {
    const graph = importGraph();
    assert.ok(graph.size > 50, `found ${graph.size} modules`);
    const found = cycles(graph);
    assert.deepEqual(
      found.map((c) => c.join(' -> ')),
      [],
    );
    t.diagnostic(`${graph.size} modules, ${[...graph.values()].reduce((n, e) => n + e.length, 0)} imports, no cycle`);
  });

  it('bundles the workflow without the HTTP client, zod or any I/O module', async (t) => {
    const { code } = await bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietBundlerLogger });
    const modules = [
      ...new Set([...code.matchAll(/"(\.\/(?:node_modules|src)\/[^"]+?\.(?:js|ts|cjs|mjs))"/g)].map((m) => m[1]!)),
    ];
    const ours = modules.filter((m) => m.startsWith('./src/')).sort();
    assert.ok(ours.length > 10, `found our modules: ${ours.join(', ')}`);
    const allowed = /^\.\/src\/(contract|domain|workflows)\//;
    assert.deepEqual(
      ours.filter((m) => !allowed.test(m)),
      [],
      'only the contract, the core and the workflow',
    );
    assert.equal(code.includes('node_modules/zod/'), false, 'no zod');
    t.diagnostic(
      `workflow bundle: ${(code.length / 1024).toFixed(0)} KiB, ${ours.length} modules of this package: ${ours.join(' ')}`,
    );
  });
});
