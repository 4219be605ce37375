// Reads the paths of the spec into Operations, checking the operationId convention. Every
// refusal below names the operation, so whoever edits the spec sees which call is at stake.
import { pascalCase } from '../naming.js';
import { HTTP_METHODS, type OpenApiDocument, type OperationObject, type Parameter } from '../spec.js';
import { operationLabel, UnsupportedError, within } from '../unsupported.js';
import { readRequestBody, readSuccess } from './media.js';
import { readParams } from './parameters.js';
import type { SchemaResolver } from './schemas.js';
import { isAuthenticated } from './security.js';
import type { Field, Operation, Param, Result, TypeRef } from './types.js';

const OPERATION_ID = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+$/;

/** Path item keys that are not operations; any other key would be an operation the model skips. */
const PATH_ITEM_KEYS = new Set<string>(['summary', 'description', 'parameters', ...HTTP_METHODS]);

function paginationOf(resolver: SchemaResolver, params: Param[], response: Result) {
  if (!params.some((p) => p.location === 'query' && p.wireName === 'cursor')) return undefined;
  const named = response.kind === 'json' && response.type.kind === 'named' ? response.type : undefined;
  const type = named && resolver.types.get(named.name);
  if (type?.kind !== 'object') return undefined;
  const data = type.fields.find((f) => f.wireName === 'data');
  const hasNext = type.fields.some((f) => f.wireName === 'nextCursor');
  return data?.type.kind === 'array' && hasNext ? { item: data.type.items } : undefined;
}

function bodyFields(resolver: SchemaResolver, type: TypeRef): Field[] {
  const named = type.kind === 'named' ? resolver.types.get(type.name) : undefined;
  return named?.kind === 'object' ? named.fields : [];
}

function readBody(doc: OpenApiDocument, resolver: SchemaResolver, op: OperationObject, hint: string) {
  const body = readRequestBody(doc, op);
  if (!body) return undefined;
  const type = within({ location: 'request body' }, () => resolver.typeOf(body.schema, `${hint}Request`));
  const fields = bodyFields(resolver, type);
  return { mediaType: body.mediaType, type, required: body.required, fields };
}

function readResult(doc: OpenApiDocument, resolver: SchemaResolver, op: OperationObject, hint: string) {
  const { status, schema } = readSuccess(doc, op);
  if (!schema) return { kind: 'empty' } as const;
  const type = within({ location: `response ${status}` }, () => resolver.typeOf(schema, `${hint}Response`));
  return { kind: 'json', type } as const;
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
  const label = operationLabel(id, method, path);
  const segments = id.split('.');
  const tag = op.tags?.[0];
  if (tag && tag !== segments[0]) throw new Error(`${id}: the first segment must be the tag ${tag}`);
  return within({ operation: label }, () => {
    // The clients call one base URL; an operation elsewhere would be sent to the wrong host.
    if (op.servers) throw new UnsupportedError('a servers override on an operation');
    const hint = pascalCase(id);
    // Parameters, body, response: the order in which inline types are hoisted and listed.
    const params = readParams(doc, resolver, { path, label, hint }, { shared, own: op.parameters ?? [] });
    const body = readBody(doc, resolver, op, hint);
    const response = readResult(doc, resolver, op, hint);
    return {
      id,
      namespace: segments.slice(0, -1),
      name: segments[segments.length - 1] ?? id,
      method: method.toUpperCase() as Operation['method'],
      path,
      summary: op.summary,
      description: op.description,
      deprecated: op.deprecated === true,
      params,
      body,
      response,
      auth: isAuthenticated(doc, op),
      pagination: paginationOf(resolver, params, response),
    };
  });
}

function checkPathItem(path: string, item: Record<string, unknown>): void {
  const where = { operation: path };
  if (item.$ref) throw new UnsupportedError('a path item $ref', where);
  if (item.servers) throw new UnsupportedError('a servers override on a path', where);
  const unknown = Object.keys(item).find((k) => !PATH_ITEM_KEYS.has(k) && !k.startsWith('x-'));
  if (unknown) throw new UnsupportedError(`the path item key ${unknown}`, where);
}

/** Every operation of the spec, in path order then method order. */
export function readOperations(doc: OpenApiDocument, resolver: SchemaResolver): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    checkPathItem(path, item);
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (op) operations.push(readOperation(doc, resolver, path, method, op, item.parameters ?? []));
    }
  }
  return operations;
}
