// The language-neutral model every generator renders: named types, operations
// grouped into namespaces, and the error-code catalogue.

/** The type of a value, after `$ref`s to primitive aliases are inlined. */
export type TypeRef =
  | { kind: 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'any' }
  | { kind: 'named'; name: string }
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

export type NamedType = ObjectType | EnumType;

export interface Param {
  wireName: string;
  location: 'path' | 'query' | 'header';
  type: TypeRef;
  required: boolean;
  description?: string;
}

/** A JSON request body, sent with its media type (`application/json` or another `+json`). */
export interface RequestBody {
  mediaType: string;
  type: TypeRef;
  required: boolean;
  fields: Field[];
}

/**
 * What a call returns: the JSON every 2xx response answers with, or nothing when no 2xx
 * response has content (`204`); the model refuses any other mix.
 */
export type Result = { kind: 'json'; type: TypeRef } | { kind: 'empty' };

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

export interface ApiModel {
  title: string;
  version: string;
  description?: string;
  /** The first server URL of the spec, used in examples. */
  defaultServer: string;
  types: NamedType[];
  operations: Operation[];
  root: Namespace;
  errorCodes: ErrorCode[];
}
