import { type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls';

// The gateway's HTTP/1.1 client for one kind of exchange: a POST of a JSON-RPC message to an
// upstream, on kept-alive connections (decision 0056). Node's HTTP client builds a ClientRequest,
// an IncomingMessage and their streams and listeners for each exchange: about half of the CPU of a
// proxied call on its upstream side. This one writes the request in one go and reads the answer
// with a small parser: a status line, headers, and a body framed by Content-Length, chunked
// transfer coding or the end of the connection. Everything else the gateway sends upstream
// (initialize, lists, the notification stream, redirects) stays on Node's client.

/** An upstream's header section may not be larger than Node's own default limit. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Kept-alive connections close after this long idle, before a Node upstream's own 5 s timeout. */
const IDLE_MS = 4_000;
/** Idle connections kept per origin; more are closed as they come back. */
const MAX_IDLE = 256;

/** A header name (RFC 9110 token) and a header value (no CR, LF or other control character). */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/;

/** What an answer's body is told, in order: bytes as they come, then its end or a failure. */
export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/** An upstream's answer: its status and headers, and a body read once through `read`. */
export interface WireAnswer {
  readonly status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Starts the body's delivery to `sink` (what already arrived first). Once. */
  read(sink: BodySink): void;
  /** The body is not wanted: the connection closes unless the answer is already complete. */
  discard(): void;
}

/** A request's fixed part, built and checked once for a URL and a set of headers. */
export interface WireRequest {
  readonly url: URL;
  /** `host:port` and the scheme: which connections may carry it. */
  readonly origin: string;
  readonly head: string;
  /** The head holds characters above ASCII: it is written as Latin-1 bytes, apart from the body. */
  readonly latin1: boolean;
}

/** Fails like Node's client when a header would break the request (a CR/LF in a secret, say). */
export class InvalidHeaderError extends TypeError {
  override name = 'InvalidHeaderError';
  readonly code = 'ERR_INVALID_HTTP_TOKEN';
}

/** The upstream's answer could not be read as HTTP/1.1. */
export class WireProtocolError extends Error {
  override name = 'WireProtocolError';
}

/** `POST {path}` to `url` with `headers` (whose names are taken as given, lower-case). */
export function wireRequest(url: URL, headers: Readonly<Record<string, string>>): WireRequest {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`Unsupported protocol ${url.protocol}`);
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const name in headers) {
    const value = headers[name] as string;
    if (!TOKEN.test(name)) throw new InvalidHeaderError(`Header name must be a valid HTTP token ["${name}"]`);
    if (INVALID_VALUE.test(value))
      throw new InvalidHeaderError(`Invalid character in header content ["${name}"]`);
    if (name === 'host' || name === 'content-length' || name === 'transfer-encoding' || name === 'connection')
      continue; // the client's own
    head += `${name}: ${value}\r\n`;
  }
  // Header values go out as Latin-1, as Node's client sends them; the body as UTF-8.
  return { url, origin: `${url.protocol}//${url.host}`, head, latin1: /[\x80-\xff]/.test(head) };
}

export interface WireClientOptions {
  /** Resolves host names for new connections (the SSRF guard's). */
  lookup?: LookupFunction;
  /** More TLS options for https origins (a test's certificate authority). */
  tls?: TlsOptions;
  idleMs?: number;
}

export interface WireClient {
  /** Sends `body` (a JSON text) as the request's body; resolves once the answer's head is read. */
  post(request: WireRequest, body: string, signal: AbortSignal): Promise<WireAnswer>;
  /** Idle connections now (for tests). */
  idle(): number;
  close(): void;
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'to-close' | 'done';

/** One exchange on one connection: the parser's state and what its answer has been told. */
class Exchange implements WireAnswer {
  status = 0;
  headers: Record<string, string> = {};
  phase: Phase = 'head';
  /** Bytes of the body (or of the current chunk) still to come. */
  remaining = 0;
  /** The connection must close after this answer. */
  closing = false;
  /** Any byte of the answer arrived (a kept-alive connection that dies before is retried). */
  answered = false;
  private sink: BodySink | null = null;
  private pending: Buffer[] = [];
  private ended = false;
  private failure: Error | null = null;
  private dropping = false;

  constructor(
    readonly onHead: (answer: Exchange) => void,
    readonly onFail: (error: Error) => void,
  ) {}

  read(sink: BodySink): void {
    if (this.sink || this.dropping) throw new Error('The answer is read once, unless discarded.');
    this.sink = sink;
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) sink.data(chunk);
    if (this.failure) sink.error(this.failure);
    else if (this.ended) sink.end();
  }

  discard(): void {
    if (this.dropping) return;
    this.dropping = true;
    this.pending = [];
    if (this.phase !== 'done') this.drop();
  }

  /** Closes the connection carrying the exchange (set when it starts). */
  drop: () => void = () => {};

  body(chunk: Buffer): void {
    if (this.dropping) return;
    if (this.sink) this.sink.data(chunk);
    else this.pending.push(chunk);
  }

  end(): void {
    if (this.sink) this.sink.end();
    else this.ended = true;
  }

  fail(error: Error): void {
    if (this.phase === 'head') {
      this.phase = 'done';
      this.onFail(error);
      return;
    }
    this.phase = 'done';
    if (this.dropping) return;
    if (this.sink) this.sink.error(error);
    else this.failure = error;
  }
}

/** A connection to one origin: the exchange it carries now, if any, and what is left unparsed. */
class Wire {
  exchange: Exchange | null = null;
  /** An unfinished header section. */
  head: Buffer | null = null;
  /** An unfinished chunk-size or trailer line. */
  partial = '';
  reused = false;
  idleSince = 0;
  private abort: (() => void) | null = null;
  private signal: AbortSignal | null = null;

  constructor(
    readonly socket: Socket,
    readonly origin: string,
    private readonly release: (wire: Wire) => void,
    private readonly forget: (wire: Wire) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('error', (error: Error) => this.closed(error));
    socket.on('end', () => this.closed(null));
    socket.on('close', () => this.closed(null));
  }

  start(exchange: Exchange, bytes: string | Buffer, signal: AbortSignal): void {
    this.exchange = exchange;
    exchange.drop = () => {
      if (this.exchange === exchange) this.closed(new Error('The answer was discarded.'));
    };
    this.head = null;
    this.partial = '';
    this.signal = signal;
    this.abort = () => {
      const current = this.exchange;
      this.exchange = null;
      this.socket.destroy();
      current?.fail(abortReason(signal));
    };
    signal.addEventListener('abort', this.abort, { once: true });
    this.socket.write(bytes);
  }

  private finish(): void {
    const exchange = this.exchange as Exchange;
    this.exchange = null;
    this.unwatch();
    exchange.phase = 'done';
    if (exchange.closing) this.socket.destroy();
    else this.release(this);
    exchange.end();
  }

  private unwatch(): void {
    if (this.abort) this.signal?.removeEventListener('abort', this.abort);
    this.abort = null;
    this.signal = null;
  }

  private closed(error: Error | null): void {
    this.forget(this);
    const exchange = this.exchange;
    if (!this.socket.destroyed) this.socket.destroy();
    if (!exchange) return;
    this.exchange = null;
    this.unwatch();
    if (exchange.phase === 'to-close' && error === null) {
      // Only an orderly close ends such a body: a reset (or a discard) cuts it short.
      exchange.phase = 'done';
      exchange.end();
      return;
    }
    exchange.fail(error ?? connectionClosed(exchange.answered, this.reused));
  }

  private protocolError(message: string): void {
    this.closed(new WireProtocolError(message));
  }

  private feed(chunk: Buffer): void {
    const exchange = this.exchange;
    if (!exchange) {
      // Nothing was asked: an idle connection the upstream talks on is not one to reuse.
      this.socket.destroy();
      return;
    }
    exchange.answered = true;
    if (this.head !== null) {
      chunk = Buffer.concat([this.head, chunk]);
      this.head = null;
    }
    let at = 0;
    while (at < chunk.length && this.exchange === exchange) {
      switch (exchange.phase) {
        case 'head': {
          const end = chunk.indexOf(HEAD_END, at);
          if ((end < 0 ? chunk.length : end) - at > MAX_HEAD_BYTES) {
            this.protocolError("The upstream's response headers are too large.");
            return;
          }
          if (end < 0) {
            // A header section that spans reads: kept until its end arrives.
            this.head = chunk.subarray(at);
            return;
          }
          const text = chunk.toString('latin1', at, end);
          at = end + 4;
          if (!this.parseHead(exchange, text)) {
            // Bytes after a complete answer were never asked for: the connection is not reused.
            if ((exchange.phase as Phase) === 'done' && at < chunk.length) this.socket.destroy();
            return;
          }
          break;
        }
        case 'length': {
          at = this.bodyOf(exchange, chunk, at);
          if (exchange.remaining === 0) {
            this.finishAndCheck(chunk, at);
            return;
          }
          break;
        }
        case 'to-close':
          exchange.body(chunk.subarray(at));
          return;
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers': {
          const nl = chunk.indexOf(10, at);
          const line = this.partial + chunk.toString('latin1', at, nl < 0 ? chunk.length : nl);
          if (nl < 0) {
            if (line.length > MAX_HEAD_BYTES) {
              this.protocolError('The upstream sent an overlong chunk line.');
              return;
            }
            this.partial = line;
            return;
          }
          this.partial = '';
          at = nl + 1;
          const text = line.endsWith('\r') ? line.slice(0, -1) : line;
          if (exchange.phase === 'chunk-end') {
            if (text !== '') {
              this.protocolError('The upstream sent a malformed chunk.');
              return;
            }
            exchange.phase = 'chunk-size';
          } else if (exchange.phase === 'trailers') {
            if (text === '') {
              this.finishAndCheck(chunk, at);
              return;
            }
          } else {
            const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(text);
            if (!size) {
              this.protocolError('The upstream sent a malformed chunk size.');
              return;
            }
            exchange.remaining = Number.parseInt(size[1] as string, 16);
            exchange.phase = exchange.remaining === 0 ? 'trailers' : 'chunk-data';
          }
          break;
        }
        case 'chunk-data': {
          at = this.bodyOf(exchange, chunk, at);
          if (exchange.remaining === 0) exchange.phase = 'chunk-end';
          break;
        }
        case 'done':
          return;
      }
    }
  }

  /** Hands on what `chunk` holds of the body (or of the current chunk) from `at`; where it stopped. */
  private bodyOf(exchange: Exchange, chunk: Buffer, at: number): number {
    const n = Math.min(exchange.remaining, chunk.length - at);
    exchange.body(chunk.subarray(at, at + n));
    exchange.remaining -= n;
    return at + n;
  }

  /** The answer is complete; bytes after it were never asked for. */
  private finishAndCheck(chunk: Buffer, at: number): void {
    if (at < chunk.length) (this.exchange as Exchange).closing = true;
    this.finish();
  }

  /** Reads a header section into `exchange`; false when the exchange ended with it. */
  private parseHead(exchange: Exchange, text: string): boolean {
    const lines = text.split('\r\n');
    const status = STATUS_LINE.exec(lines[0] as string);
    if (!status) {
      this.protocolError('The upstream did not answer with HTTP/1.1.');
      return false;
    }
    const code = Number(status[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) {
        this.protocolError('The upstream sent a malformed header.');
        return false;
      }
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    if (code >= 100 && code < 200) {
      if (code === 101) {
        this.protocolError('The upstream switched protocols.');
        return false;
      }
      return true; // an interim answer (103 Early Hints): the real one follows
    }
    exchange.status = code;
    exchange.headers = headers;
    const connection = headers.connection?.toLowerCase() ?? '';
    exchange.closing =
      connection.includes('close') || (status[1] === '0' && !connection.includes('keep-alive'));
    const coding = headers['transfer-encoding'];
    const length = headers['content-length'];
    if (code === 204 || code === 304) exchange.phase = 'done';
    else if (coding !== undefined) {
      if (coding.toLowerCase().split(',').at(-1)?.trim() === 'chunked') exchange.phase = 'chunk-size';
      else exchange.phase = 'to-close';
      if (length !== undefined) exchange.closing = true; // both framings: never reuse it
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) {
        this.protocolError('The upstream sent an invalid Content-Length.');
        return false;
      }
      exchange.remaining = Number(length);
      exchange.phase = exchange.remaining === 0 ? 'done' : 'length';
    } else exchange.phase = 'to-close';
    if (exchange.phase === 'to-close') exchange.closing = true;
    exchange.onHead(exchange);
    if (exchange.phase === 'done') {
      this.finish();
      return false;
    }
    return true;
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason as unknown;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}

function connectionClosed(answered: boolean, reused: boolean): Error {
  const error = new Error(
    answered
      ? 'The upstream closed the connection mid-response.'
      : reused
        ? 'The upstream closed a kept-alive connection before answering.'
        : 'The upstream closed the connection before answering.',
  ) as NodeJS.ErrnoException;
  error.code = 'ECONNRESET';
  return error;
}

export function wireClient(options: WireClientOptions = {}): WireClient {
  const idleMs = options.idleMs ?? IDLE_MS;
  const idle = new Map<string, Wire[]>();
  let idleCount = 0;
  let closed = false;

  const forget = (wire: Wire) => {
    const list = idle.get(wire.origin);
    const at = list ? list.indexOf(wire) : -1;
    if (at < 0) return;
    (list as Wire[]).splice(at, 1);
    idleCount--;
  };
  const release = (wire: Wire) => {
    const list = idle.get(wire.origin) ?? [];
    if (closed || list.length >= MAX_IDLE) {
      wire.socket.destroy();
      return;
    }
    wire.idleSince = performance.now();
    list.push(wire);
    if (list.length === 1) idle.set(wire.origin, list);
    idleCount++;
  };
  // One sweep a second closes connections idle too long (no timer per connection).
  const sweep = setInterval(() => {
    const before = performance.now() - idleMs;
    for (const list of idle.values())
      while (list.length > 0 && (list[0] as Wire).idleSince < before) {
        // Out of the list first: the socket's 'close' (which forgets it) comes later.
        (list.shift() as Wire).socket.destroy();
        idleCount--;
      }
  }, 1_000);
  sweep.unref();

  function open(url: URL, origin: string): Wire {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    const socket = secure
      ? tlsConnect({
          host,
          port,
          servername: /^[\d.]+$|:/.test(host) ? undefined : host,
          lookup: options.lookup,
          ALPNProtocols: ['http/1.1'],
          ...options.tls,
        })
      : netConnect({ host, port, lookup: options.lookup });
    return new Wire(socket, origin, release, forget);
  }

  function take(request: WireRequest): Wire | null {
    const list = idle.get(request.origin);
    while (list && list.length > 0) {
      const wire = list.pop() as Wire;
      idleCount--;
      if (!wire.socket.destroyed && wire.socket.writable) {
        wire.reused = true;
        return wire;
      }
    }
    return null;
  }

  function post(
    request: WireRequest,
    body: string,
    signal: AbortSignal,
    retried = false,
  ): Promise<WireAnswer> {
    if (closed) return Promise.reject(new Error('The client is closed.'));
    if (signal.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const wire = take(request) ?? open(request.url, request.origin);
      const exchange = new Exchange(resolve, (error) => {
        // A kept-alive connection the upstream closed as we reused it: nothing was processed.
        if (wire.reused && !retried && !exchange.answered && !signal.aborted && isReset(error))
          post(request, body, signal, true).then(resolve, reject);
        else reject(error);
      });
      const head = `${request.head}content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      wire.start(
        exchange,
        request.latin1 ? Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]) : head + body,
        signal,
      );
    });
  }

  return {
    post: (request, body, signal) => post(request, body, signal),
    idle: () => idleCount,
    close() {
      closed = true;
      clearInterval(sweep);
      for (const list of idle.values()) for (const wire of [...list]) wire.socket.destroy();
      idle.clear();
      idleCount = 0;
    },
  };
}

const isReset = (error: Error) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
};

/** An answer's body as an async iterable (for code that reads bodies that way); `discard` ends it early. */
export async function* bodyChunks(answer: WireAnswer): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  answer.read({
    data(chunk) {
      chunks.push(chunk);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    error(error) {
      failure = error;
      notify();
    },
  });
  try {
    for (;;) {
      const chunk = chunks.shift();
      if (chunk) yield chunk;
      else if (failure) throw failure;
      else if (done) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!done) answer.discard();
  }
}
