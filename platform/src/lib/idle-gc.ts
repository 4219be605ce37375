import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// V8 keeps the heap it grew under load: after a burst, the garbage of thousands of requests and a
// young generation sized for that rate stay resident (~120 MB instead of ~90 MB) until the next
// burst. Browsers collect in idle time; a server can too. After activity followed by `idleMs` (5 s) of
// quiet, one full collection hands the memory back. It costs a few tens of milliseconds, only
// when nothing is being served.

let collect: ((options?: object) => void) | null | undefined;

// V8 11 (Node 20) reads any options object as a request for a minor collection (a scavenge, which
// leaves the old generation as it was); without arguments it runs a full one. Later V8s honour the
// options, and the last-resort flavour also shrinks the heap it keeps committed.
const FULL: object | undefined =
  Number(process.versions.v8.split('.')[0]) >= 12
    ? { type: 'major', execution: 'sync', flavor: 'last-resort' }
    : undefined;

/** V8's `gc`, exposed at run time (no `--expose-gc` flag needed on the command line). */
export function gcFunction(): ((options?: object) => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as (options?: object) => void;
  } catch {
    collect = null;
  }
  return collect;
}

export interface IdleCollector {
  /** Call on every request. */
  touch(): void;
  stop(): void;
}

/**
 * Collects garbage once after each period of activity followed by `idleMs` without requests. Boot
 * counts as activity (loading the spec and compiling validators leaves garbage too).
 */
export function collectWhenIdle(idleMs = 5_000): IdleCollector {
  const gc = gcFunction();
  let active = true;
  let last = Date.now();
  const timer = setInterval(() => {
    if (!active || Date.now() - last < idleMs) return;
    active = false;
    gc?.(FULL);
  }, idleMs / 5);
  timer.unref();
  return {
    touch() {
      active = true;
      last = Date.now();
    },
    stop: () => clearInterval(timer),
  };
}
