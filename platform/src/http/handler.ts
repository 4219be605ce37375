import type { operations } from '@aerostack/spec/types';
import type { Services } from '../services.js';
import type { Principal } from './auth.js';

// Handlers are bound to spec operations by operationId and typed from the generated spec types,
// so a handler cannot read a parameter or return a body the spec does not declare.

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];
type Present<T> = [NonNullable<T>] extends [never] ? Record<string, never> : NonNullable<T>;
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
type SuccessStatus<K extends OperationId> = Extract<keyof Op<K>['responses'], 200 | 201 | 202 | 204>;

export interface HandlerContext<K extends OperationId> {
  path: Present<Op<K>['parameters']['path']>;
  query: Present<Op<K>['parameters']['query']>;
  headers: Present<Op<K>['parameters']['header']>;
  body: JsonOf<NonNullable<Op<K>['requestBody']>>;
  principal: Principal;
  requestId: string;
  services: Services;
}

export type Reply<K extends OperationId> = {
  [S in SuccessStatus<K>]: {
    status: S;
    body: JsonOf<Op<K>['responses'][S]>;
    headers?: Record<string, string>;
  };
}[SuccessStatus<K>];

export type Handler<K extends OperationId> = (ctx: HandlerContext<K>) => Promise<Reply<K>>;

/** What a module contributes: handlers for some of the spec's operations. */
export type Handlers = { [K in OperationId]?: Handler<K> };

/** Declares a module's handlers with their types checked against the spec. */
export function defineHandlers<H extends Handlers>(handlers: H): H {
  return handlers;
}
