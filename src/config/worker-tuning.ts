/**
 * How many payment workflows a worker keeps cached, and how many workflow tasks it runs at once,
 * derived from the memory the deployment gives it. A payment lives for weeks, so a worker holds far
 * more open payments than it can cache: the cache is bounded by memory and evicts the least recently
 * used payment when full (the next task for it replays its short history), instead of growing with
 * the number of open payments.
 *
 *   WORKER_MEMORY_MB                       the worker's memory (MiB); default: the container's limit
 *                                          (cgroup v2 memory.max or v1 memory.limit_in_bytes), else 1024
 *   WORKER_MAX_CACHED_WORKFLOWS            overrides the derived cache size (0 turns the cache off)
 *   WORKER_MAX_CONCURRENT_WORKFLOW_TASKS   overrides the derived number of workflow task slots
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { ConfigurationError } from './errors.js';
import type { Environment } from './temporal.js';

/** Without a limit from the deployment, the worker sizes itself for this much memory. */
export const DEFAULT_WORKER_MEMORY_MB = 1024;
/** What the process needs besides cached workflows: Node, the SDK and its core, connections, activities. */
export const RESERVED_MB = 256;
/**
 * Resident memory per cached payment workflow, as `npm run bench` (P4) measured it: about 0.29 MiB
 * each with 300 cached, 0.42 MiB each with the cache full after 10,000 payments came and went
 * (garbage and the allocator's fragmentation included); with a margin.
 */
export const MB_PER_CACHED_WORKFLOW = 0.45;
/** Share of the rest given to the cache; the remainder is headroom for garbage and bursts. */
const CACHE_SHARE = 0.8;
/** One workflow task slot per this many MiB above the reserve (a task may replay a whole history). */
const MB_PER_TASK_SLOT = 20;

const LIMITS = {
  memoryMb: { min: 128, max: 1_048_576 },
  cachedWorkflows: { min: 10, max: 100_000 },
  taskSlots: { min: 2, max: 1_000 },
} as const;

export interface WorkerTuning {
  memoryMb: number;
  /** Where the memory figure came from. */
  memorySource: 'WORKER_MEMORY_MB' | 'cgroup limit' | 'default';
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  /** One line for the worker's start-up log. */
  description: string;
}

const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** The container's memory limit in MiB, if there is one below the machine's memory. */
export function cgroupMemoryLimitMb(files: readonly string[] = CGROUP_LIMIT_FILES): number | undefined {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    if (!/^\d+$/.test(text)) return undefined; // "max": no limit
    const bytes = Number(text);
    // cgroup v1 reports "no limit" as a huge number; anything at or above the machine's memory is no limit.
    return bytes > 0 && bytes < totalmem() ? Math.floor(bytes / 1024 / 1024) : undefined;
  }
  return undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** The cache and task slots for a worker with this much memory. */
export function derivedTuning(memoryMb: number): { maxCachedWorkflows: number; taskSlots: number } {
  const spare = Math.max(0, memoryMb - RESERVED_MB);
  return {
    maxCachedWorkflows: clamp(
      Math.floor((spare * CACHE_SHARE) / MB_PER_CACHED_WORKFLOW),
      LIMITS.cachedWorkflows.min,
      LIMITS.cachedWorkflows.max,
    ),
    taskSlots: clamp(Math.floor(spare / MB_PER_TASK_SLOT), LIMITS.taskSlots.min, 40),
  };
}

function wholeNumber(
  env: Environment,
  name: string,
  { min, max }: { min: number; max: number },
  problems: string[],
  allowZero = false,
): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  if (!/^\d{1,9}$/.test(raw.trim()) || ((value < min || value > max) && !(allowZero && value === 0))) {
    problems.push(
      `${name} must be a whole number from ${allowZero ? '0 (off) or ' : ''}${min} to ${max}, got "${raw}"`,
    );
    return undefined;
  }
  return value;
}

/**
 * Reads the worker's sizing, or throws a ConfigurationError naming every problem. `cgroupLimitMb` is
 * the container's limit (read from the system by default).
 */
export function workerTuningFromEnv(
  env: Environment = process.env,
  cgroupLimitMb: () => number | undefined = cgroupMemoryLimitMb,
): WorkerTuning {
  const problems: string[] = [];
  const memory = wholeNumber(env, 'WORKER_MEMORY_MB', LIMITS.memoryMb, problems);
  const cache = wholeNumber(env, 'WORKER_MAX_CACHED_WORKFLOWS', LIMITS.cachedWorkflows, problems, true);
  const slots = wholeNumber(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', LIMITS.taskSlots, problems);
  const limit = memory === undefined ? cgroupLimitMb() : undefined;
  const memoryMb = memory ?? limit ?? DEFAULT_WORKER_MEMORY_MB;
  const derived = derivedTuning(memoryMb);
  const maxCachedWorkflows = cache ?? derived.maxCachedWorkflows;
  const taskSlots = slots ?? Math.min(derived.taskSlots, Math.max(2, maxCachedWorkflows || derived.taskSlots));
  if (maxCachedWorkflows > 0 && taskSlots > maxCachedWorkflows) {
    problems.push(
      `WORKER_MAX_CONCURRENT_WORKFLOW_TASKS (${taskSlots}) must not exceed the cached workflows (${maxCachedWorkflows})`,
    );
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const memorySource = memory !== undefined ? 'WORKER_MEMORY_MB' : limit !== undefined ? 'cgroup limit' : 'default';
  return {
    memoryMb,
    memorySource,
    maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: taskSlots,
    description:
      `memory ${memoryMb} MiB (${memorySource}): ${maxCachedWorkflows} cached workflows` +
      `${cache !== undefined ? ' (WORKER_MAX_CACHED_WORKFLOWS)' : ''}, ${taskSlots} workflow tasks at once`,
  };
}
