// A server-sent-events reader for tests: opens a stream over real HTTP and lets a test wait for
// the frames as they arrive (fetch, as our clients do; not EventSource).

export interface SseFrame {
  id?: string;
  event?: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  data?: any;
  comment?: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** Every frame so far. */
  frames: SseFrame[];
  /** Waits for the next frame with an `event` (comments and retry hints are skipped) matching `accept`. */
  next(accept?: (frame: SseFrame) => boolean, timeoutMs?: number): Promise<SseFrame>;
  /** The next `count` frames named `event`. */
  take(event: string, count: number, timeoutMs?: number): Promise<SseFrame[]>;
  /** The frames named `event` that arrive within `ms` (to check that nothing else arrives). */
  quiet(event: string, ms: number): Promise<SseFrame[]>;
  /** The body of a non-stream answer (problem+json). */
  text(): Promise<string>;
  close(): void;
}

function parse(block: string): SseFrame | null {
  const frame: SseFrame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else {
      const at = line.indexOf(': ');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 2);
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data = JSON.parse(value);
    }
  }
  return frame.event || frame.comment !== undefined ? frame : null;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  let read = 0; // frames handed out by next()
  let wake = null as (() => void) | null;
  let ended = false;
  const isStream = res.headers.get('content-type')?.startsWith('text/event-stream') ?? false;
  if (isStream && res.body) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const frame = parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (frame) frames.push(frame);
            end = buffer.indexOf('\n\n');
          }
          wake?.();
        }
      } catch {
        // aborted by close()
      } finally {
        ended = true;
        wake?.();
      }
    })();
  }

  async function next(accept: (frame: SseFrame) => boolean = () => true, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (read < frames.length) {
        const frame = frames[read++]!;
        if (frame.event && accept(frame)) return frame;
      }
      if (ended) throw new Error(`the stream ended; frames: ${JSON.stringify(frames)}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    status: res.status,
    headers: res.headers,
    frames,
    next,
    async take(event, count, timeoutMs = 5_000) {
      const out: SseFrame[] = [];
      while (out.length < count) out.push(await next((f) => f.event === event, timeoutMs));
      return out;
    },
    async quiet(event, ms) {
      const out: SseFrame[] = [];
      const deadline = Date.now() + ms;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) return out;
        try {
          out.push(await next((f) => f.event === event, left));
        } catch {
          return out;
        }
      }
    },
    text: () => res.text(),
    close: () => abort.abort(),
  };
}
