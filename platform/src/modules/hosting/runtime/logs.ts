import type { Readable } from 'node:stream';
import type { InvocationLog } from './contract.js';

/** What the tail worker sends per finished invocation (a subset of workerd's TraceItem). */
export interface Trace {
  invocation: string | null;
  outcome: string;
  logs?: { level?: string; message?: unknown[]; timestamp?: number }[];
  exceptions?: { name?: string; message?: string; stack?: string; timestamp?: number }[];
  /** Console lines the tail worker left out (past `MAX_LINES`). */
  dropped?: number;
}

type Line = InvocationLog['lines'][number];

/** Lines kept per invocation, and characters per line: a chatty loop must not flood the listeners. */
export const MAX_LINES = 500;
export const MAX_LINE_CHARS = 4_096;

const LEVELS = new Set<Line['level']>(['debug', 'info', 'log', 'warn', 'error']);

/** One console argument as `console.log` would print it (strings bare, the rest as JSON). */
function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string): string {
  return text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS)}…`;
}

/** The trace's console lines and uncaught exceptions, in the order they happened, bounded. */
export function linesOf(trace: Trace): Line[] {
  const lines: Line[] = [];
  for (const log of trace.logs ?? []) {
    const level = LEVELS.has(log.level as Line['level']) ? (log.level as Line['level']) : 'log';
    lines.push({ level, message: clip((log.message ?? []).map(show).join(' ')), at: log.timestamp ?? 0 });
  }
  for (const e of trace.exceptions ?? []) {
    const head = `Uncaught ${e.name ?? 'Error'}: ${e.message ?? ''}`;
    lines.push({
      level: 'error',
      message: clip(e.stack ? `${head}\n${e.stack}` : head),
      at: e.timestamp ?? 0,
    });
  }
  // Stable: a log and an exception of one millisecond keep the log first.
  lines.sort((a, b) => a.at - b.at);
  const kept = lines.slice(0, MAX_LINES);
  const dropped = lines.length - kept.length + (trace.dropped ?? 0);
  if (dropped > 0)
    kept.push({ level: 'warn', message: `${dropped} more lines were dropped`, at: kept.at(-1)?.at ?? 0 });
  return kept;
}

/** workerd's outcome of a finished invocation as the contract names it. */
export function outcomeOf(trace: Trace): InvocationLog['outcome'] {
  switch (trace.outcome) {
    case 'exception':
      return 'exception';
    case 'exceededCpu':
      return 'cpu-limit';
    case 'exceededMemory':
      return 'memory-limit';
    default:
      // ok, or the client went away (canceled, responseStreamDisconnected): the code did not fail.
      return 'ok';
  }
}

/**
 * Calls `onLine` with each line of workerd's stdout (where the tail worker prints traces), skipping
 * lines longer than `max` without holding them.
 */
export function eachLine(stream: Readable, max: number, onLine: (line: string) => void): void {
  let pending = '';
  let skipping = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      if (!skipping) onLine(pending + chunk.slice(start, end));
      pending = '';
      skipping = false;
      start = end + 1;
    }
    if (skipping) return;
    pending += chunk.slice(start);
    if (pending.length > max) {
      pending = '';
      skipping = true;
    }
  });
}
