import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * What the watchdog reads of a workerd process from Linux's `/proc` (decision 0049). Miniflare
 * keeps the process it spawns private, so the process is found by the socket it listens on.
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

/** The ids of this process's children. */
function childPids(): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) children.push(Number(entry));
    } catch {} // exited while we looked
  }
  return children;
}

/** The child process that listens on 127.0.0.1:`port` (the workerd Miniflare started), or null. */
export function childListeningOn(port: number): number | null {
  const inode = listeningInode(port);
  if (inode === null) return null;
  const socket = `socket:[${inode}]`;
  for (const pid of childPids()) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`))
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === socket) return pid;
    } catch {} // exited, or not ours to read
  }
  return null;
}
