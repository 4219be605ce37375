// Reads the paths of the spec into Operations, checking the operationId convention. Every
// refusal below names the operation, so whoever edits the spec sees which call is at stake.
import { pascalCase } from '../naming.js';
import {
  HTTP_METHODS,
  type OpenApiDocument,
  type OperationObject,
  type Parameter,
  refName,
  type Schema,
} from '../spec.js';
import { operationLabel, UnsupportedError, under, within } from '../unsupported.js';
import { readRequestBody, readSuccess } from './media.js';
import { readParams } from './parameters.js';
import type { SchemaResolver } from './schemas.js';
import { isAuthenticated } from './security.js';
import type { Field, Operation, Param, RequestBody, Result, TypeRef } from './types.js';

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

/** `{type: string, format: binary}` or `contentMediaType`: a file part of a multipart body. */
function isFileSchema(schema: Schema): boolean {
  return schema.type === 'string' && (schema.format === 'binary' || schema.contentMediaType !== undefined);
}

/** The parts of a multipart body: files, and text parts of scalar values. */
function multipartFields(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  schema: Schema,
  hint: string,
): Field[] {
  const name = schema.$ref?.startsWith('#/components/schemas/') ? refName(schema.$ref) : undefined;
  const object = name ? doc.components?.schemas?.[name] : schema;
  if (!object || object.$ref || Object.keys(object.properties ?? {}).length === 0) {
    throw new UnsupportedError('a multipart body whose schema is not an object with properties');
  }
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([wireName, property]) => {
    const type = under(wireName, (): TypeRef => {
      if (isFileSchema(property)) return { kind: 'file' };
      const t = resolver.typeOf(property, `${hint}${pascalCase(wireName)}`);
      const named = t.kind === 'named' ? resolver.types.get(t.name) : undefined;
      const scalar = ['string', 'integer', 'number', 'boolean', 'datetime'].includes(t.kind);
      if (!scalar && named?.kind !== 'enum') {
        throw new UnsupportedError(
          `a multipart part of kind ${named?.kind ?? t.kind} (parts are files or text)`,
        );
      }
      return t;
    });
    const field: Field = {
      wireName,
      type,
      required: required.has(wireName),
      description: property.description,
    };
    if (property.deprecated) field.deprecated = true;
    return field;
  });
}

function readBody(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  op: OperationObject,
  hint: string,
): RequestBody | undefined {
  return within({ location: 'request body' }, () => {
    const body = readRequestBody(doc, op);
    switch (body?.kind) {
      case undefined:
        return undefined;
      case 'bytes':
        return body;
      case 'multipart': {
        const fields = multipartFields(doc, resolver, body.schema, `${hint}Request`);
        return { kind: 'multipart', mediaType: 'multipart/form-data', required: body.required, fields };
      }
      case 'json': {
        const type = resolver.typeOf(body.schema, `${hint}Request`);
        const fields = bodyFields(resolver, type);
        return { kind: 'json', mediaType: body.mediaType, type, required: body.required, fields };
      }
    }
  });
}

function readResult(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  op: OperationObject,
  hint: string,
): Result {
  const success = readSuccess(doc, op);
  switch (success.kind) {
    case 'empty':
    case 'bytes':
      return success.kind === 'empty'
        ? { kind: 'empty' }
        : { kind: 'bytes', mediaTypes: success.mediaTypes, statuses: success.statuses };
    case 'json': {
      const { status, schema } = success;
      const type = within({ location: `response ${status}` }, () =>
        resolver.typeOf(schema, `${hint}Response`),
      );
      return { kind: 'json', type };
    }
    case 'events': {
      const events = success.events.map(([name, schema]) => ({
        name,
        type: within({ location: `response ${success.status}: event ${name}` }, () =>
          resolver.typeOf(schema, `${hint}${pascalCase(name)}Event`),
        ),
      }));
      return { kind: 'events', events, emptyStatuses: success.emptyStatuses };
    }
  }
}

/** The operation declares an `Idempotency-Key` header (any case), directly or through a `$ref`. */
function declaresIdempotencyKey(params: Param[]): boolean {
  return params.some((p) => p.location === 'header' && p.wireName.toLowerCase() === 'idempotency-key');
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
      idempotencyKey: declaresIdempotencyKey(params),
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
