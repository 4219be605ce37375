import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import type { LogLevel } from '../config.js';
import { destinationOf, type LogDestination, stdoutDestination } from './log-destination.js';
import { maskCredentials, redactFields } from './redact.js';

export type LogFields = Record<string, unknown>;

/** `LOG_LEVEL`: everything at or above the level is written; `silent` writes nothing. */
export type LoggerLevel = LogLevel | 'warn';

/**
 * A JSON-lines logger: `{"level":"info","time":"…","msg":"…",…fields}`, one line per call.
 * Fields named like a secret and credential-shaped strings are redacted (see `redact.ts`), but
 * callers should still pass ids and codes, never credentials or secret values.
 */
export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line (redacted once, here). */
  child(bindings: LogFields): Logger;
  /**
   * The line every request writes at info, exactly as `info('request', line)` would write it,
   * built without the generic path: at one line per request it was ~10 % of a small request's time.
   */
  request(line: RequestLine): void;
  /**
   * Resolves once every buffered line is written, in order: await it before a planned exit.
   * (On any exit pino still writes out what is buffered, but possibly after a batch in flight.)
   */
  flush(): Promise<void>;
}

/** What the request line says; `requestId` and `path` come from the caller and are masked. */
export interface RequestLine {
  requestId: string;
  method: string;
  path: string;
  status: number;
  ms: number;
}

/**
 * Logs at `level` to standard output (buffered, written off the request path), or to `out` —
 * a stream or a function receiving each line — for tests.
 */
export function createLogger(level: LoggerLevel, out?: DestinationStream | ((line: string) => void)): Logger {
  const destination: LogDestination =
    out !== undefined
      ? destinationOf(out)
      : level === 'silent'
        ? destinationOf(() => {})
        : stdoutDestination();
  const root = pino(
    {
      level,
      base: undefined, // no pid / hostname
      timestamp: isoTimeField,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return wrap(root, destination);
}

// pino's isoTime formats a Date per line; lines in the same millisecond share the formatted time.
let lastMs = -1;
let lastField = '';
function isoTimeField(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastField;
}

function wrap(logger: Pino, destination: LogDestination): Logger {
  // Bindings of a child would belong in the line; only the root writes request lines.
  const requestLines = logger.isLevelEnabled('info');
  // pino replaces the methods of disabled levels with no-ops, so the level check is free.
  const at =
    (method: 'error' | 'warn' | 'info' | 'debug') =>
    (msg: string, fields?: LogFields): void => {
      if (fields === undefined) logger[method](maskCredentials(msg));
      else logger[method](redactFields(fields), maskCredentials(msg));
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: (bindings) => wrap(logger.child(redactFields(bindings)), destination),
    request({ requestId, method, path, status, ms }) {
      if (!requestLines) return;
      destination.write(
        `{"level":"info"${isoTimeField()},"requestId":${JSON.stringify(maskCredentials(requestId))},` +
          `"method":${JSON.stringify(method)},"path":${JSON.stringify(maskCredentials(path))},` +
          `"status":${status},"ms":${ms},"msg":"request"}\n`,
      );
    },
    flush: () => destination.flush(),
  };
}
