import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// A platform process SIGKILLed (no cleanup runs) takes its workerd processes with it: the launcher
// sets a parent-death signal with util-linux's setpriv (decision 0049).

/** Running, not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

it.runIf(existsSync('/usr/bin/setpriv'))(
  'a SIGKILLed platform process leaves no workerd running',
  async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'support/runtime-main.ts')],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        const line = /workerd ([\d,]+)\n/.exec(out);
        if (line) resolve(line[1]!.split(',').map(Number));
      });
      child.on('exit', () => reject(new Error(`exited before loading the project:\n${out}`)));
    });
    expect(pids).toHaveLength(1);
    expect(alive(pids[0]!)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(pids[0]!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pids[0]!)).toBe(false);
  },
  60_000,
);
