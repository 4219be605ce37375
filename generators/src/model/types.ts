// The language-neutral model every generator renders: named types, operations
// grouped into namespaces, and the error-code catalogue.

/** The type of a value, after `$ref`s to primitive aliases are inlined. */
export type TypeRef =
  | { kind: 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'any' }
  | { kind: 'named'; name: string }
  /** A literal (`const`, or a one-value enum used as a discriminator): always this value. */
  | { kind: 'literal'; value: string | number | boolean }
  /** A multipart file part; appears only among the `fields` of a `multipart` request body. */
  | { kind: 'file' }
  | { kind: 'array'; items: TypeRef }
  | { kind: 'map'; values: TypeRef }
  | { kind: 'nullable'; inner: TypeRef };

export interface Field {
  /** The camelCase name on the wire. */
  wireName: string;
  type: TypeRef;
  required: boolean;
  description?: string;
  deprecated?: boolean;
}

export interface ObjectType {
  kind: 'object';
  name: string;
  description?: string;
  fields: Field[];
}

export interface EnumType {
  kind: 'enum';
  name: string;
  description?: string;
  values: string[];
}

/**
 * `oneOf` of named object types (or `anyOf` that the spec marks as exclusive by a discriminator):
 * one of `variants`. With a discriminator, the property `discriminator.property` of the JSON tells
 * which variant it is (`mapping` from its value to a variant's type name); without one, clients
 * try the variants in order and pick the first that validates.
 */
export interface UnionType {
  kind: 'union';
  name: string;
  description?: string;
  variants: TypeRef[];
  discriminator?: { property: string; mapping: Record<string, string> };
}

export type NamedType = ObjectType | EnumType | UnionType;

export interface Param {
  wireName: string;
  location: 'path' | 'query' | 'header';
  /**
   * A scalar (string, number, integer, boolean, datetime, a named enum), or for a query
   * parameter an `array` of scalars, written as the parameter repeated: `tag=a&tag=b`.
   */
  type: TypeRef;
  required: boolean;
  description?: string;
}

/**
 * A request body by its media type:
 * - `json`: a JSON value (`application/json` or another `+json`); `fields` are the properties of
 *   an object body (empty otherwise), which the renderers may offer as arguments.
 * - `bytes`: raw bytes streamed from the caller (`application/octet-stream` or any non-JSON,
 *   non-multipart type): an `io.Reader`, a file / bytes / iterator, a `Stream<List<int>>`.
 * - `multipart`: `multipart/form-data` with `fields`; a field of type `{ kind: 'file' }` is a file
 *   part (bytes with a file name and content type), any other field a text part.
 */
export type RequestBody =
  | { kind: 'json'; mediaType: string; type: TypeRef; required: boolean; fields: Field[] }
  | { kind: 'bytes'; mediaType: string; required: boolean }
  | { kind: 'multipart'; mediaType: 'multipart/form-data'; required: boolean; fields: Field[] };

/** One kind of server-sent event: its `event:` name and the JSON type of its `data:`. */
export interface EventKind {
  name: string;
  type: TypeRef;
}

/**
 * What a call returns, from its 2xx responses:
 * - `json`: the JSON every 2xx with content answers with (one type).
 * - `empty`: no 2xx has content (`204`).
 * - `events`: a `text/event-stream` (SSE) whose events are listed by `x-aerostack-events`; the
 *   call returns a stream of typed events that can resume with `Last-Event-ID`. `emptyStatuses`
 *   are 2xx answers without content (e.g. `204`: nothing after the given `Last-Event-ID`), which
 *   a client returns as an already-ended stream.
 * - `bytes`: raw bytes of `mediaTypes` (`application/octet-stream`, `image/png`, `*\/*` …), streamed
 *   to the caller with the response's status and headers (`206` ranges, `ETag`); `statuses` are
 *   the 2xx and 3xx statuses the spec declares (a `304` answers an `If-None-Match`).
 * The model refuses any other mix (e.g. JSON on 200 and bytes on 201).
 */
export type Result =
  | { kind: 'json'; type: TypeRef }
  | { kind: 'empty' }
  | { kind: 'events'; events: EventKind[]; emptyStatuses: number[] }
  | { kind: 'bytes'; mediaTypes: string[]; statuses: number[] };

export interface Operation {
  /** The operationId, e.g. `projects.keys.rotate`. */
  id: string;
  /** Every segment of the operationId but the last: `['projects', 'keys']`. */
  namespace: string[];
  /** The last segment of the operationId: `rotate`. */
  name: string;
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS';
  /** The path template, e.g. `/v1/projects/{projectId}/keys`. */
  path: string;
  summary?: string;
  description?: string;
  deprecated: boolean;
  /** Path parameters in path order, then query, then header parameters. */
  params: Param[];
  body?: RequestBody;
  response: Result;
  /** False when the operation declares `security: []`. */
  auth: boolean;
  /** Set for cursor-paginated lists: the type of one item of `data`. */
  pagination?: { item: TypeRef };
  /**
   * The operation declares the `Idempotency-Key` header: clients generate one per call when the
   * caller gives none (spec/clients/README.md), which makes a POST safe to retry.
   */
  idempotencyKey: boolean;
}

export interface Namespace {
  /** `[]` for the client itself, `['projects', 'keys']` for `client.projects.keys`. */
  path: string[];
  description?: string;
  operations: Operation[];
  children: Namespace[];
}

export interface ErrorCode {
  code: string;
  status: number;
  title: string;
  description?: string;
}

/** spec/clients/behaviour.json: what every client does around a call (README.md beside it). */
export interface ClientBehaviour {
  retry: {
    maxRetries: number;
    retryStatuses: number[];
    retryServerErrors: boolean;
    idempotentMethods: string[];
    backoff: { initialMs: number; multiplier: number; maxMs: number; jitter: number };
    retryAfter: { capMs: number };
  };
  idempotency: { header: string; keyPrefix: string };
  requestIdHeader: string;
  clientErrors: { network: string; timeout: string; invalidResponse: string; aborted: string };
}

export interface ApiModel {
  title: string;
  version: string;
  description?: string;
  /** The first server URL of the spec, used in examples. */
  defaultServer: string;
  types: NamedType[];
  operations: Operation[];
  root: Namespace;
  /** Sorted by code. */
  errorCodes: ErrorCode[];
  /** The shared client behaviour, for each client to emit as constants. */
  behaviour: ClientBehaviour;
}
