import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { HostingRuntimeConfig } from '../../src/config.js';
import type { InvocationLog, WorkerSource } from '../../src/modules/hosting/runtime/index.js';

/** Limits for tests: generous unless a test is about one of them. */
export function limits(overrides: Partial<HostingRuntimeConfig> = {}): HostingRuntimeConfig {
  return {
    cpuMs: 30_000,
    wallMs: 60_000,
    memoryBytes: 128 * 1024 * 1024,
    maxSubrequests: 50,
    idleMs: 600_000,
    allowHosts: [],
    ...overrides,
  };
}

let deployments = 0;

/** A one-module worker (`code` is its index.js) in a new deployment. */
export function worker(name: string, code: string, extra: Partial<WorkerSource> = {}): WorkerSource {
  deployments += 1;
  return {
    deploymentId: `dep_${name}_${deployments}`,
    name,
    modules: [{ name: 'index.js', content: code }],
    compatibilityDate: '2025-06-01',
    compatibilityFlags: [],
    vars: {},
    ...extra,
  };
}

/** The ids of this process's workerd children that are running (zombies excluded). */
export function workerdPids(): number[] {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-P', String(process.pid), 'workerd'], { encoding: 'utf8' });
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
      } catch {
        return false; // gone meanwhile
      }
    });
}

/** Collects the runtime's invocation logs, and waits for one that matches. */
export function logCollector() {
  const logs: { projectId: string; log: InvocationLog }[] = [];
  const waiters: (() => void)[] = [];
  return {
    logs,
    listener: (projectId: string, log: InvocationLog) => {
      logs.push({ projectId, log });
      for (const wake of waiters.splice(0)) wake();
    },
    async next(
      match: (projectId: string, log: InvocationLog) => boolean,
      timeoutMs = 20_000,
    ): Promise<InvocationLog> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find((l) => match(l.projectId, l.log));
        if (found) return found.log;
        if (Date.now() > deadline) throw new Error('no matching invocation log arrived');
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
  };
}
