// The worker's sizing from its memory (src/config/worker-tuning.ts): the cache and task slots it
// derives, the limits it reads from the container, and every problem named at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../src/config/errors.js';
import { cgroupMemoryLimitMb, workerTuningFromEnv } from '../../src/config/worker-tuning.js';

const noLimit = () => undefined;

describe('worker tuning', () => {
  it('sizes the cache and task slots from 1 GiB when nothing says otherwise', () => {
    const t = workerTuningFromEnv({}, noLimit);
    assert.equal(t.memoryMb, 1024);
    assert.equal(t.memorySource, 'default');
    assert.equal(t.maxCachedWorkflows, 1365);
    assert.equal(t.maxConcurrentWorkflowTaskExecutions, 38);
    assert.match(t.description, /1024 MiB \(default\): 1365 cached workflows, 38 workflow tasks at once/);
  });

  it("grows with WORKER_MEMORY_MB or the container's limit, and stays usable when small", () => {
    assert.equal(workerTuningFromEnv({ WORKER_MEMORY_MB: '4096' }, noLimit).maxCachedWorkflows, 6826);
    const limited = workerTuningFromEnv({}, () => 512);
    assert.deepEqual([limited.memorySource, limited.maxCachedWorkflows], ['cgroup limit', 455]);
    const small = workerTuningFromEnv({ WORKER_MEMORY_MB: '256' }, () => 4096);
    assert.deepEqual(
      [small.memorySource, small.maxCachedWorkflows, small.maxConcurrentWorkflowTaskExecutions],
      ['WORKER_MEMORY_MB', 10, 2],
    );
  });

  it('takes explicit cache and slot counts, and a cache of 0 (off)', () => {
    const t = workerTuningFromEnv(
      { WORKER_MAX_CACHED_WORKFLOWS: '500', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '8' },
      noLimit,
    );
    assert.deepEqual([t.maxCachedWorkflows, t.maxConcurrentWorkflowTaskExecutions], [500, 8]);
    assert.equal(workerTuningFromEnv({ WORKER_MAX_CACHED_WORKFLOWS: '0' }, noLimit).maxCachedWorkflows, 0);
  });

  it('names every problem at once', () => {
    assert.throws(
      () =>
        workerTuningFromEnv(
          { WORKER_MEMORY_MB: '1.5g', WORKER_MAX_CACHED_WORKFLOWS: '5', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'x' },
          noLimit,
        ),
      (err: unknown) => {
        assert.ok(err instanceof ConfigurationError);
        assert.equal(err.problems.length, 3);
        assert.match(err.problems[0]!, /WORKER_MEMORY_MB must be a whole number from 128 to 1048576, got "1.5g"/);
        assert.match(err.problems[1]!, /WORKER_MAX_CACHED_WORKFLOWS must be a whole number from 0 \(off\) or 10/);
        assert.match(err.problems[2]!, /WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must be a whole number from 2/);
        return true;
      },
    );
    assert.throws(
      () =>
        workerTuningFromEnv({ WORKER_MAX_CACHED_WORKFLOWS: '20', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '30' }, noLimit),
      /must not exceed the cached workflows/,
    );
  });

  it("reads a container's memory limit (cgroup v2 or v1), and no limit as none", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgroup-'));
    try {
      const file = join(dir, 'memory.max');
      writeFileSync(file, `${512 * 1024 * 1024}\n`);
      assert.equal(cgroupMemoryLimitMb([join(dir, 'absent'), file]), 512);
      writeFileSync(file, 'max\n');
      assert.equal(cgroupMemoryLimitMb([file]), undefined);
      writeFileSync(file, '9223372036854771712\n'); // v1's "no limit"
      assert.equal(cgroupMemoryLimitMb([file]), undefined);
      assert.equal(cgroupMemoryLimitMb([join(dir, 'absent')]), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
