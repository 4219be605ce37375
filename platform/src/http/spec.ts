import { createRequire } from 'node:module';
import { bundle, type SpecFragment } from '@aerostack/spec/bundle';

// The bundled spec (spec/openapi.json, written by `pnpm generate` from spec/openapi.yaml and the
// modules' spec.yaml), read once at boot, and the operations the platform serves from it.

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

export interface MediaType {
  schema?: JsonSchema;
  /** SSE: event name → JSON schema of its `data` (API-CONVENTIONS: streams). */
  'x-aerostack-events'?: Record<string, JsonSchema>;
}

export interface OperationObject {
  operationId: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<Parameter | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, MediaType> } | { $ref: string };
  responses: Record<string, { content?: Record<string, MediaType> } | { $ref: string }>;
  'x-aerostack-max-body-bytes'?: number;
  'x-aerostack-rate-limit'?: { limit: number; windowSeconds: number };
}

export interface ErrorCodeEntry {
  status: number;
  title: string;
  description: string;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, OperationObject | Parameter[]> & { parameters?: Parameter[] }>;
  components: Record<string, Record<string, unknown>>;
  'x-aerostack-error-codes': Record<string, ErrorCodeEntry>;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** How a request body or a response is carried. */
export type BodyKind = 'json' | 'bytes' | 'multipart' | 'events' | 'empty';

export interface SpecBody {
  kind: BodyKind;
  /** The declared media types, e.g. `application/json`. */
  mediaTypes: string[];
  /** JSON schema of a JSON body or of multipart fields; null otherwise. */
  schema: JsonSchema | null;
  /** SSE event name → data schema. */
  events: Record<string, JsonSchema> | null;
}

/** One operation of the spec, with its path-level parameters merged and `$ref`s resolved. */
export interface SpecOperation {
  operationId: string;
  method: HttpMethod;
  /** The OpenAPI path template, e.g. `/v1/cache/{key}`. */
  path: string;
  parameters: Parameter[];
  requestBody: (SpecBody & { required: boolean; maxBytes: number | null }) | null;
  /** status (or `default`) → how the response is carried */
  responses: Record<string, SpecBody>;
  /** security scheme names any one of which satisfies the operation; empty = public */
  security: string[];
  rateLimit: { limit: number; windowSeconds: number } | null;
}

/** A spec document with its operations and error catalogue. */
export interface LoadedSpec {
  document: OpenApiDocument;
  operations: SpecOperation[];
}

export const bundledSpec: OpenApiDocument = createRequire(import.meta.url)('@aerostack/spec/openapi.json');

/** Resolves a local `#/…` reference within `doc`. */
export function resolveRef<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  if (value && typeof value === 'object' && '$ref' in value && typeof value.$ref === 'string') {
    const target = value.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], doc);
    return resolveRef(doc, target as T | { $ref: string });
  }
  return value as T;
}

function kindOf(mediaType: string): BodyKind {
  if (/^application\/([\w.+-]+\+)?json$/i.test(mediaType)) return 'json';
  if (mediaType === 'text/event-stream') return 'events';
  if (mediaType === 'multipart/form-data') return 'multipart';
  return 'bytes';
}

function bodyOf(content: Record<string, MediaType> | undefined): SpecBody {
  const entries = Object.entries(content ?? {});
  if (entries.length === 0) return { kind: 'empty', mediaTypes: [], schema: null, events: null };
  const kinds = new Set(entries.map(([type]) => kindOf(type)));
  if (kinds.size > 1)
    throw new Error(`a body declares media types of different kinds: ${[...kinds].join(', ')}`);
  const [type, media] = entries[0]!;
  const kind = kindOf(type);
  return {
    kind,
    mediaTypes: entries.map(([t]) => t),
    schema: kind === 'json' || kind === 'multipart' ? (media.schema ?? {}) : null,
    events: kind === 'events' ? (media['x-aerostack-events'] ?? {}) : null,
  };
}

function operationsOf(doc: OpenApiDocument): SpecOperation[] {
  const out: SpecOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = (item.parameters ?? []).map((p) => resolveRef<Parameter>(doc, p));
    for (const method of HTTP_METHODS) {
      const op = item[method] as OperationObject | undefined;
      if (!op) continue;
      const where = `${method.toUpperCase()} ${path} (${op.operationId})`;
      try {
        const own = (op.parameters ?? []).map((p) => resolveRef<Parameter>(doc, p));
        const body = op.requestBody ? resolveRef(doc, op.requestBody) : null;
        const security = op.security ?? doc.security ?? [];
        out.push({
          operationId: op.operationId,
          method,
          path,
          parameters: [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own],
          requestBody: body
            ? {
                ...bodyOf(body.content),
                required: body.required === true,
                maxBytes: op['x-aerostack-max-body-bytes'] ?? null,
              }
            : null,
          responses: Object.fromEntries(
            Object.entries(op.responses).map(([status, r]) => [status, bodyOf(resolveRef(doc, r).content)]),
          ),
          security: security.flatMap((requirement) => Object.keys(requirement)),
          rateLimit: op['x-aerostack-rate-limit'] ?? null,
        });
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
    }
  }
  return out;
}

/**
 * The bundled spec, plus test-only fragments when `extra` is given (fixture modules: never part of
 * the published spec).
 */
export function loadSpec(extra: SpecFragment[] = []): LoadedSpec {
  const document =
    extra.length === 0 ? bundledSpec : (bundle(bundledSpec as never, extra) as unknown as OpenApiDocument);
  return { document, operations: operationsOf(document) };
}

/** Every operation in the bundled spec, in document order. */
export const operations: readonly SpecOperation[] = operationsOf(bundledSpec);
