import pino, { type DestinationStream } from 'pino';

/** Where log lines go. */
export interface LogDestination extends DestinationStream {
  /** Resolves once every line written so far is out, in order. */
  flush(): Promise<void>;
}

// Whole lines, at most PIPE_BUF bytes per write: a pipe takes such a write in one piece, so the
// lines of several processes sharing standard output (cluster workers) never interleave.
const PIPE_BUF = 4096;
const BATCH_BYTES = 2048;
const FLUSH_AFTER_MS = 1_000;

/**
 * Standard output without blocking the request path: lines gather into writes of 2–4 kB made off
 * the main thread. A quiet spell flushes within a second or two. On exit pino writes out the rest
 * synchronously — after a batch still in flight, if any, so `flush()` before a planned exit keeps
 * the last lines in order.
 */
export function stdoutDestination(): LogDestination {
  const stream = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES, maxWrite: PIPE_BUF });
  let timer: NodeJS.Timeout | undefined;
  let wroteSinceTick = false;
  // A flush is a no-op while a batch is being written, so the timer runs until a whole period
  // passes without a line: the next tick then catches whatever that batch left behind.
  const tick = () => {
    stream.flush();
    if (!wroteSinceTick) {
      clearInterval(timer);
      timer = undefined;
    }
    wroteSinceTick = false;
  };
  return {
    write(line) {
      stream.write(line);
      wroteSinceTick = true;
      timer ??= setInterval(tick, FLUSH_AFTER_MS).unref();
    },
    async flush() {
      // flush(cb) calls back once no batch is in flight (an fsync error on a pipe or terminal is
      // expected and harmless); what is still below the batch size then goes out synchronously.
      await new Promise<void>((resolve) => stream.flush(() => resolve()));
      try {
        stream.flushSync();
      } catch {
        // Destroyed (EPIPE: nobody reads our output any more): nothing left to write to.
      }
    },
  };
}

/** A test's stream or function as a destination. */
export function destinationOf(out: DestinationStream | ((line: string) => void)): LogDestination {
  if (typeof out === 'function') return { write: out, flush: async () => {} };
  const { flushSync } = out as { flushSync?: () => void };
  return { write: (line) => out.write(line), flush: async () => flushSync?.call(out) };
}
