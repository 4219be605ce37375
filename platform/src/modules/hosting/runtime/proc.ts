import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What the watchdog reads of a workerd process from Linux's `/proc` (decision 0049). Miniflare
 * keeps the process it spawns private, so the runtime finds it among this process's children.
 */

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ, 100 on every Linux architecture). */
const TICK_MS = 10;

export interface ProcessSample {
  /** User plus system CPU time, ms. */
  cpuMs: number;
  /** Resident set size, bytes. */
  rssBytes: number;
}

/** The process's CPU time and resident size, or null when it is gone (exited, or a zombie). */
export function sampleProcess(pid: number): ProcessSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null;
    const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    return { cpuMs: cpuTicks * TICK_MS, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

/** The inode of the socket listening on 127.0.0.1:`port`, or null. */
function listeningInode(port: number): string | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === local && cols[3] === '0A') return cols[9] ?? null; // 0A: LISTEN
  }
  return null;
}

/** The ids of this process's children (each thread's list: a child belongs to the thread that forked it). */
export function childPids(): number[] {
  const children: number[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const listed = readFileSync(`/proc/self/task/${task}/children`, 'latin1').trim();
      if (listed !== '') children.push(...listed.split(' ').map(Number));
    } catch {} // the thread ended while we looked
  }
  return children;
}

/** The workerd child started since `before` (a snapshot of `childPids()`) that listens on `port`. */
export function startedWorkerd(before: ReadonlySet<number>, port: number): number | null {
  const started = childPids().filter((pid) => !before.has(pid) && commandOf(pid) === 'workerd');
  // One new workerd is ours. With several (projects starting at once) the port tells, at the cost
  // of reading the machine's TCP table (milliseconds when it holds thousands of sockets).
  if (started.length === 1) return started[0] ?? null;
  const inode = listeningInode(port);
  if (inode === null) return null;
  const socket = `socket:[${inode}]`;
  for (const pid of started) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === socket) return pid;
    } catch {} // exited, or not ours to read
  }
  return null;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '';
  }
}
