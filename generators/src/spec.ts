// The subset of OpenAPI 3.1 the generators read, reference resolution, and loading the inputs:
// the bundled spec, the test-only fixture spec and the client behaviour (spec/clients/).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { bundle } from '../../spec/bundle.mjs';
import type { ClientBehaviour } from './model/types.js';

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
  title?: string;
  /** Which property tells the variants of a `oneOf` / `anyOf` apart. */
  discriminator?: { propertyName: string; mapping?: Record<string, string> };
  /** 3.1's way to say a string holds bytes (`format: binary` is the 3.0 way, also accepted). */
  contentMediaType?: string;
  contentEncoding?: string;
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
  /** On a `text/event-stream` response: each event name and the JSON schema of its `data`. */
  'x-aerostack-events'?: Record<string, Schema>;
  /** Per-part headers of a multipart body. */
  encoding?: Record<string, unknown>;
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

/** The repository's root folder. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads the bundled spec (spec/openapi.json). */
export function loadSpec(file: string): OpenApiDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/**
 * The spec of the fixture clients: the root document (spec/openapi.yaml: shared components,
 * platform-wide error codes, no paths) bundled with the platform's test-only fixture fragment
 * (platform/test/fixtures/fixtures.yaml: streams, uploads, range downloads, multipart, 204, …),
 * the way the platform bundles it when it serves the fixture operations.
 */
export function loadFixturesSpec(root = REPO_ROOT): OpenApiDocument {
  const yaml = (path: string) => parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>;
  const fixtures = { name: 'fixtures', document: yaml('platform/test/fixtures/fixtures.yaml') };
  return bundle(yaml('spec/openapi.yaml'), [fixtures]) as unknown as OpenApiDocument;
}

/** What every client does around a call (spec/clients/behaviour.json; README.md beside it). */
export function loadBehaviour(file = join(REPO_ROOT, 'spec', 'clients', 'behaviour.json')): ClientBehaviour {
  const { $comment: _, ...behaviour } = JSON.parse(readFileSync(file, 'utf8')) as ClientBehaviour & {
    $comment?: string;
  };
  return behaviour;
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
