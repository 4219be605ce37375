import type { operations } from '@aerostack/spec/types';
import type { Services } from '../services.js';
import type { Principal } from './auth/principal.js';
import type { ByteSource } from './reply/bytes.js';
import type { SseEvent } from './reply/events.js';

// Handlers are bound to spec operations by operationId and typed from the generated spec types,
// so a handler cannot read a parameter or return a body the spec does not declare. The media type
// decides the shape: JSON bodies are parsed values, `application/octet-stream` bodies are streams
// (never buffered whole), `multipart/form-data` bodies are FormData; a reply is JSON (`body`), an
// event stream (`events`), bytes (`bytes`) or nothing (204).

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];
type Present<T> = [NonNullable<T>] extends [never] ? Record<string, never> : NonNullable<T>;

type RequestBodyOf<RB> = RB extends { content: infer C }
  ? C extends { 'application/json': infer B }
    ? B
    : C extends { 'multipart/form-data': unknown }
      ? FormData
      : ReadableStream<Uint8Array>
  : undefined;

type ReplyOf<S, R> = R extends { content: infer C }
  ? C extends { 'application/json': infer B }
    ? { status: S; body: B; headers?: Record<string, string> }
    : C extends { 'text/event-stream': unknown }
      ? { status: S; events: AsyncIterable<SseEvent>; headers?: Record<string, string> }
      : { status: S; bytes: ByteSource; headers?: Record<string, string> }
  : { status: S; headers?: Record<string, string> };

type SuccessStatus<K extends OperationId> = Extract<keyof Op<K>['responses'], 200 | 201 | 202 | 204 | 206>;

export interface HandlerContext<K extends OperationId> {
  path: Present<Op<K>['parameters']['path']>;
  query: Present<Op<K>['parameters']['query']>;
  headers: Present<Op<K>['parameters']['header']>;
  body: RequestBodyOf<NonNullable<Op<K>['requestBody']>>;
  principal: Principal;
  requestId: string;
  services: Services;
  /** The `Last-Event-ID` a reconnecting event-stream client sent, else null. */
  lastEventId: string | null;
  /**
   * The body's declared length (`Content-Length`), null when it has none (chunked): a byte-body
   * handler can refuse it before reading a byte.
   */
  declaredBodyBytes: number | null;
  /** The client's address (see `clientIpOf`), for limits keyed by IP. */
  clientIp: string;
  /** Aborted when the client disconnects (event streams), so long work can stop. */
  signal: AbortSignal;
}

export type Reply<K extends OperationId> = {
  [S in SuccessStatus<K>]: ReplyOf<S, Op<K>['responses'][S]>;
}[SuccessStatus<K>];

export type Handler<K extends OperationId> = (ctx: HandlerContext<K>) => Promise<Reply<K>>;

/** What a module contributes: handlers for some of the spec's operations. */
export type Handlers = { [K in OperationId]?: Handler<K> };

/** Declares a module's handlers with their types checked against the spec. */
export function defineHandlers<H extends Handlers>(handlers: H): H {
  return handlers;
}

/** The untyped view the router uses (and test-only fixture modules, whose operations have no types). */
export interface LooseReply {
  status: number;
  headers?: Record<string, string> | undefined;
  body?: unknown;
  events?: AsyncIterable<SseEvent>;
  bytes?: ByteSource;
}

export interface LooseContext {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  headers: Record<string, unknown>;
  body: unknown;
  principal: Principal;
  requestId: string;
  services: Services;
  lastEventId: string | null;
  declaredBodyBytes: number | null;
  clientIp: string;
  signal: AbortSignal;
}

export type LooseHandler = (ctx: LooseContext) => Promise<LooseReply>;
