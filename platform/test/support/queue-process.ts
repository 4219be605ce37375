import { execFileSync } from 'node:child_process';

/**
 * `pid` and every process below it, deepest first. A platform started through tsx is two
 * processes (the tsx CLI and the node that serves); killing only the first leaves the server
 * running as an orphan.
 */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are none
  }
  return [...children.flatMap(processTree), pid];
}

/** Kills `pid` and everything below it with `signal` (SIGKILL: a crash, nothing cleaned up). */
export function killTree(pid: number, signal: NodeJS.Signals = 'SIGKILL'): number[] {
  const tree = processTree(pid);
  for (const p of tree) {
    try {
      process.kill(p, signal);
    } catch {
      // gone already
    }
  }
  return tree;
}

/** Resolves once none of `pids` is alive. */
export async function gone(pids: number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  while (pids.some(alive)) {
    if (Date.now() > deadline) throw new Error(`still alive: ${pids.filter(alive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
