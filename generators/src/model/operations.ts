// Reads the paths of the spec into Operations, checking the operationId convention.
import { pascalCase } from '../naming.js';
import {
  HTTP_METHODS,
  type OpenApiDocument,
  type OperationObject,
  type Parameter,
  resolveRef,
} from '../spec.js';
import type { SchemaResolver } from './schemas.js';
import type { Field, Operation, Param, TypeRef } from './types.js';

const OPERATION_ID = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

function jsonSchemaOf(content: Record<string, { schema?: object }> | undefined) {
  const entry = Object.entries(content ?? {}).find(([type]) => /^application\/(.+\+)?json$/.test(type));
  return entry?.[1].schema;
}

function mergeParameters(doc: OpenApiDocument, shared: Parameter[], own: Parameter[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of [...shared, ...own].map((q) => resolveRef(doc, q))) byKey.set(`${p.in}:${p.name}`, p);
  return [...byKey.values()];
}

function orderParams(path: string, params: Param[]): Param[] {
  const pathOrder = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const rank = (p: Param) =>
    p.location === 'path' ? pathOrder.indexOf(p.wireName) : p.location === 'query' ? 1000 : 2000;
  return params
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

function isAuthenticated(doc: OpenApiDocument, op: OperationObject): boolean {
  const security = op.security ?? doc.security ?? [];
  return security.some((requirement) => Object.keys(requirement).length > 0);
}

function paginationOf(resolver: SchemaResolver, params: Param[], response: TypeRef | undefined) {
  if (!params.some((p) => p.location === 'query' && p.wireName === 'cursor')) return undefined;
  const named = response?.kind === 'named' ? resolver.types.get(response.name) : undefined;
  if (named?.kind !== 'object') return undefined;
  const data = named.fields.find((f) => f.wireName === 'data');
  const hasNext = named.fields.some((f) => f.wireName === 'nextCursor');
  return data?.type.kind === 'array' && hasNext ? { item: data.type.items } : undefined;
}

function bodyFields(resolver: SchemaResolver, type: TypeRef): Field[] {
  const named = type.kind === 'named' ? resolver.types.get(type.name) : undefined;
  return named?.kind === 'object' ? named.fields : [];
}

function readOperation(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  path: string,
  method: (typeof HTTP_METHODS)[number],
  op: OperationObject,
  shared: Parameter[],
): Operation {
  const id = op.operationId;
  if (!id || !OPERATION_ID.test(id)) {
    throw new Error(`${method.toUpperCase()} ${path}: operationId must be area.verb, got ${id ?? 'none'}`);
  }
  const segments = id.split('.');
  const tag = op.tags?.[0];
  if (tag && tag !== segments[0]) throw new Error(`${id}: the first segment must be the tag ${tag}`);
  const hint = pascalCase(id);
  const params = mergeParameters(doc, shared, op.parameters ?? [])
    .filter((p) => p.in !== 'cookie')
    .map(
      (p): Param => ({
        wireName: p.name,
        location: p.in as Param['location'],
        type: resolver.typeOf(p.schema ?? {}, `${hint}${pascalCase(p.name)}`),
        required: p.in === 'path' || p.required === true,
        description: p.description,
      }),
    );
  const requestBody = op.requestBody ? resolveRef(doc, op.requestBody) : undefined;
  const bodySchema = jsonSchemaOf(requestBody?.content);
  const bodyType = bodySchema ? resolver.typeOf(bodySchema, `${hint}Request`) : undefined;
  const success = Object.keys(op.responses ?? {})
    .filter((status) => /^2\d\d$/.test(status))
    .sort()[0];
  const response = success ? resolveRef(doc, op.responses?.[success] ?? {}) : undefined;
  const responseSchema = jsonSchemaOf(response?.content);
  const responseType = responseSchema ? resolver.typeOf(responseSchema, `${hint}Response`) : undefined;
  const ordered = orderParams(path, params);
  return {
    id,
    namespace: segments.slice(0, -1),
    name: segments[segments.length - 1] ?? id,
    method: method.toUpperCase() as Operation['method'],
    path,
    summary: op.summary,
    description: op.description,
    deprecated: op.deprecated === true,
    params: ordered,
    body: bodyType && {
      type: bodyType,
      required: requestBody?.required === true,
      fields: bodyFields(resolver, bodyType),
    },
    response: responseType,
    auth: isAuthenticated(doc, op),
    pagination: paginationOf(resolver, ordered, responseType),
  };
}

/** Every operation of the spec, in path order then method order. */
export function readOperations(doc: OpenApiDocument, resolver: SchemaResolver): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) operations.push(readOperation(doc, resolver, path, method, op, item.parameters ?? []));
    }
  }
  return operations;
}
