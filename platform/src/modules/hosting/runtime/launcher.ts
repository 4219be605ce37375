import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Miniflare spawns workerd with the platform's whole environment (`{ ...process.env }`), which
 * holds its database URL, master key and provider keys. workerd gives workers no way to read it,
 * but a process that never had them cannot leak them (a core dump, a future workerd API, a bug):
 * workerd is started through a launcher that execs it with an empty environment. `exec` keeps the
 * pid, so the process the watchdog finds is workerd itself.
 *
 * Miniflare reads the binary from `MINIFLARE_WORKERD_PATH`, so the launcher is set there, for the
 * whole platform process (every workerd it starts is hosted code). An operator's own
 * `MINIFLARE_WORKERD_PATH` is kept as the binary the launcher runs.
 */

let launcher: string | undefined;

/** Miniflare's own `workerd` package (a small module naming the binary and its newest date). */
function workerdPackage(): { default: string; compatibilityDate: string } {
  const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'));
  return fromMiniflare('workerd') as { default: string; compatibilityDate: string };
}

const workerdBinary = (): string => workerdPackage().default;

/**
 * The newest compatibility date the bundled workerd supports, capped at today, as Miniflare's
 * `supportedCompatibilityDate` computes it, read without loading Miniflare itself (about 80 MB of
 * resident memory, paid only once a project's code first runs).
 */
export function supportedCompatibilityDate(today = new Date()): string {
  const newest = workerdPackage().compatibilityDate;
  const day = today.toISOString().slice(0, 10);
  return [newest, day].sort()[0]!;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * A directory only this user can write: one per user, reused by every platform process (a new
 * one per process would pile up in /tmp), unless someone else made or changed it first.
 */
function privateDirectory(): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(tmpdir(), `aerostack-workerd-${uid}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch {} // there already, checked below
  const stat = lstatSync(dir, { throwIfNoEntry: false });
  const ours = stat?.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0;
  return ours ? dir : mkdtempSync(join(tmpdir(), 'aerostack-workerd-'));
}

/** A launcher this module wrote (an earlier copy of it, loaded again in the same process). */
const isLauncher = (path: string) => /\/aerostack-workerd-[^/]+\/workerd-[0-9a-f]{16}$/.test(path);

/**
 * util-linux's `setpriv`, when the machine has it (Debian and most distributions do): it sets the
 * parent-death signal before exec, so a workerd whose platform process is SIGKILLed (which runs no
 * cleanup) is killed with it instead of running on, orphaned. Without it, a platform killed that
 * way leaves its workerd processes behind; every other way it stops, it stops them itself.
 */
function setpriv(): string | null {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const path = join(dir, 'setpriv');
    if (existsSync(path)) return path;
  }
  return null;
}

/** Points Miniflare at the clean-environment launcher (once per process). */
export function useCleanEnvironment(): void {
  const current = process.env.MINIFLARE_WORKERD_PATH;
  if (current !== undefined && (current === launcher || isLauncher(current))) return;
  const binary = current ?? workerdBinary();
  const deathSignal = setpriv();
  // Each step execs the next, so the pid Miniflare sees is workerd's, and the signal holds across.
  const prefix = deathSignal === null ? '' : `${quote(deathSignal)} --pdeathsig KILL `;
  const script = `#!/bin/sh\nexec ${prefix}/usr/bin/env -i ${quote(binary)} "$@"\n`;
  const dir = privateDirectory();
  const path = join(dir, `workerd-${createHash('sha256').update(script).digest('hex').slice(0, 16)}`);
  // Written aside and renamed: another platform process starting workerd never sees half a file.
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, script, { mode: 0o700 });
  chmodSync(partial, 0o700);
  renameSync(partial, path);
  launcher = path;
  process.env.MINIFLARE_WORKERD_PATH = launcher;
}
