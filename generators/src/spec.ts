// The subset of OpenAPI 3.1 the generators read, and reference resolution.
import { readFileSync } from 'node:fs';

/** A JSON Schema 2020-12 object as OpenAPI 3.1 uses it. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  deprecated?: boolean;
  readOnly?: boolean;
  writeOnly?: boolean;
}

export interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema?: Schema;
  content?: Record<string, MediaType>;
  style?: string;
  explode?: boolean;
  allowReserved?: boolean;
}

export interface MediaType {
  schema?: Schema;
}

export interface RequestBody {
  $ref?: string;
  required?: boolean;
  description?: string;
  content?: Record<string, MediaType>;
}

export interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, MediaType>;
}

export interface OperationObject {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: RequestBody;
  responses?: Record<string, Response>;
  servers?: { url: string }[];
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItem = {
  $ref?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  servers?: { url: string }[];
} & { [M in HttpMethod]?: OperationObject };

/** How an operation authenticates; the clients send a bearer credential only. */
export interface SecurityScheme {
  type: string;
  scheme?: string;
}

export interface ErrorCodeInfo {
  status: number;
  title: string;
  description?: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string; summary?: string };
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, PathItem>;
  components?: {
    schemas?: Record<string, Schema>;
    parameters?: Record<string, Parameter>;
    requestBodies?: Record<string, RequestBody>;
    responses?: Record<string, Response>;
    securitySchemes?: Record<string, SecurityScheme>;
  };
  'x-aerostack-error-codes'?: Record<string, ErrorCodeInfo>;
}

/** Reads the bundled spec (spec/openapi.json). */
export function loadSpec(file: string): OpenApiDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/** The last segment of a local `$ref`: `#/components/schemas/Project` → `Project`. */
export function refName(ref: string): string {
  const name = ref.split('/').pop();
  if (!name || !ref.startsWith('#/components/')) throw new Error(`unsupported $ref ${ref}`);
  return name;
}

/** Follows a local `$ref` (`#/components/<section>/<name>`) to the object it names. */
export function resolveRef<T extends { $ref?: string }>(doc: OpenApiDocument, value: T): T {
  if (!value.$ref) return value;
  const [, section, name] = value.$ref.replace(/^#\//, '').split('/');
  const components = doc.components as Record<string, Record<string, T> | undefined> | undefined;
  const target = section && name ? components?.[section]?.[name] : undefined;
  if (!target) throw new Error(`unresolved $ref ${value.$ref}`);
  return resolveRef(doc, target);
}
