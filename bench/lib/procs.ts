import { readdirSync, readFileSync } from 'node:fs';

// Linux /proc readers: the process tree under a pid, its resident memory and CPU time. A launcher
// (pnpm, tsx's CLI, a shell) that stays resident is part of what a user runs, so it is counted.

/** One process of a tree as sampled now. */
export interface ProcSample {
  pid: number;
  ppid: number;
  depth: number;
  /** A short command line: the executable's and the script's base names. */
  name: string;
  rssMb: number;
  /** user + system CPU seconds since the process started */
  cpuS: number;
}

const TICKS_PER_S = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpuS: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S };
  } catch {
    return null; // exited meanwhile
  }
}

function rssMb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

// `node tsx/preflight.cjs tsx/loader.mjs main.ts`: the executable and every script-like argument
// by base name (with its package for tsx and pnpm), flags dropped.
function shortName(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const short = (s: string) => {
      const pkg = /\/(tsx|pnpm)\/(?:dist|bin)\//.exec(s)?.[1];
      const base = s.split('/').pop() ?? s;
      return pkg ? `${pkg}/${base}` : base;
    };
    const scripts = argv.slice(1).filter((a) => !a.startsWith('-') && /[./]/.test(a));
    return [argv[0] ?? '?', ...scripts].map(short).join(' ');
  } catch {
    return '?';
  }
}

/** `root` and all its descendants, parents before children. */
export function sampleTree(root: number): ProcSample[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: ProcSample[] = [];
  const visit = (pid: number, depth: number) => {
    const s = stat(pid);
    if (!s) return;
    out.push({ pid, ppid: s.ppid, depth, name: shortName(pid), rssMb: rssMb(pid), cpuS: s.cpuS });
    for (const child of children.get(pid) ?? []) visit(child, depth + 1);
  };
  visit(root, 0);
  return out;
}

/** CPU seconds the whole tree has used so far. */
export const treeCpuS = (root: number) => sampleTree(root).reduce((sum, p) => sum + p.cpuS, 0);

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
