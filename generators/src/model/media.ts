// What an operation sends and answers, by media type. A request body is JSON, raw bytes or a
// multipart form; the 2xx responses are all JSON of one schema, all without content, one event
// stream (plus content-less 2xx), or bytes. Anything else is refused here, before a renderer
// could turn it into a method that silently sends or returns nothing.
import {
  type MediaType,
  type OpenApiDocument,
  type OperationObject,
  refName,
  resolveRef,
  type Schema,
} from '../spec.js';
import { UnsupportedError, within } from '../unsupported.js';

function essence(mediaType: string): string {
  return mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** `application/json`, `application/merge-patch+json`, `application/json; charset=utf-8`. */
export function isJsonMediaType(mediaType: string): boolean {
  return /^application\/([a-z0-9.!#$&^_-]+\+)?json$/.test(essence(mediaType));
}

export function isEventStream(mediaType: string): boolean {
  return essence(mediaType) === 'text/event-stream';
}

function isMultipart(mediaType: string): boolean {
  return essence(mediaType).startsWith('multipart/');
}

/** A schema `$ref` followed (the schema itself when it is none). */
function followRef(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref?.startsWith('#/components/schemas/')) return schema;
  const target = doc.components?.schemas?.[refName(schema.$ref)];
  return target ? followRef(doc, target) : schema;
}

/**
 * Bytes of a non-JSON media type are any string (`format: binary`, `contentMediaType`, text)
 * or unspecified; an object or array there would need an encoding the clients do not write.
 */
function checkByteSchema(doc: OpenApiDocument, mediaType: string, schema: Schema | undefined): void {
  const target = followRef(doc, schema ?? {});
  const type = Array.isArray(target.type) ? target.type.filter((t) => t !== 'null') : [target.type];
  const shaped = ['properties', 'items', 'oneOf', 'anyOf', 'allOf'].some((k) => k in target);
  if (shaped || type.some((t) => t !== undefined && t !== 'string')) {
    const what = type.find((t) => t !== undefined && t !== 'string') ?? 'structured';
    throw new UnsupportedError(`media type ${mediaType} with a schema of type ${what} (bytes are a string)`);
  }
}

/** The request body as the model reads it, before its schema becomes types. */
export type BodyContent =
  | { kind: 'json'; mediaType: string; schema: Schema; required: boolean }
  | { kind: 'bytes'; mediaType: string; required: boolean }
  | { kind: 'multipart'; schema: Schema; required: boolean };

/** The request body's media type and schema (`{}`, any JSON, when a JSON body gives none). */
export function readRequestBody(doc: OpenApiDocument, op: OperationObject): BodyContent | undefined {
  if (!op.requestBody) return undefined;
  const body = resolveRef(doc, op.requestBody);
  const entries = Object.entries(body.content ?? {});
  const [first] = entries;
  if (!first) throw new UnsupportedError('a request body without content');
  // A client sends one media type; offering one of several would hide the others from callers.
  if (entries.length > 1) {
    const types = entries.map(([t]) => t).join(', ');
    throw new UnsupportedError(`a request body with several media types (${types})`);
  }
  const [mediaType, media] = first;
  const required = body.required === true;
  if (isJsonMediaType(mediaType)) return { kind: 'json', mediaType, schema: media.schema ?? {}, required };
  if (isMultipart(mediaType)) {
    if (essence(mediaType) !== 'multipart/form-data') throw new UnsupportedError(`media type ${mediaType}`);
    if (media.encoding) throw new UnsupportedError('a multipart body with an encoding object');
    return { kind: 'multipart', schema: media.schema ?? {}, required };
  }
  if (isEventStream(mediaType)) throw new UnsupportedError('an event stream as a request body');
  checkByteSchema(doc, mediaType, media.schema);
  return { kind: 'bytes', mediaType, required };
}

/** `200`, `201`, `2XX`: the statuses a method returns from rather than raises on. */
function isSuccess(status: string): boolean {
  return /^2(\d\d|XX)$/i.test(status);
}

/** What one success response has: nothing, JSON of one schema, an event stream, or bytes. */
type Answer = { status: string } & (
  | { kind: 'none' }
  | { kind: 'json'; schema: Schema }
  | { kind: 'events'; events: [string, Schema][] }
  | { kind: 'bytes'; mediaTypes: string[] }
);

function readAnswer(doc: OpenApiDocument, status: string, content: Record<string, MediaType> = {}): Answer {
  const entries = Object.entries(content);
  if (entries.length === 0) return { status, kind: 'none' };
  const stream = entries.find(([type]) => isEventStream(type));
  if (stream) {
    const [type, media] = stream;
    if (entries.length > 1) {
      throw new UnsupportedError(
        `an event stream beside other media types (${entries.map(([t]) => t).join(', ')})`,
      );
    }
    const events = media['x-aerostack-events'];
    if (!events || Object.keys(events).length === 0) {
      throw new UnsupportedError(
        `media type ${type} without x-aerostack-events (list each event name and the schema of its data)`,
      );
    }
    return { status, kind: 'events', events: Object.entries(events) };
  }
  const json = entries.filter(([type]) => isJsonMediaType(type));
  const other = entries.filter(([type]) => !isJsonMediaType(type));
  if (json.length > 0 && other.length > 0) {
    // One method returns one thing: a parsed value or a byte stream, not either.
    throw new UnsupportedError(`media type ${other[0]?.[0]} beside ${json[0]?.[0]}`);
  }
  if (other.length > 0) {
    for (const [type, media] of other) checkByteSchema(doc, type, media.schema);
    return { status, kind: 'bytes', mediaTypes: other.map(([type]) => type) };
  }
  const schemas = json.map(([, media]) => media.schema ?? {});
  const [first = {}] = schemas;
  if (schemas.some((s) => JSON.stringify(s) !== JSON.stringify(first))) {
    throw new UnsupportedError('a response with several JSON media types of different schemas');
  }
  return { status, kind: 'json', schema: first };
}

/** What the success responses answer together, before schemas become types. */
export type SuccessContent =
  | { kind: 'json'; status: string; schema: Schema }
  | { kind: 'empty' }
  | { kind: 'events'; status: string; events: [string, Schema][]; emptyStatuses: number[] }
  | { kind: 'bytes'; mediaTypes: string[]; statuses: number[] };

const WHAT: Record<Answer['kind'], string> = { none: 'none', json: 'JSON', events: 'events', bytes: 'bytes' };

/** `206` → 206; a range (`2XX`) cannot be listed as one status beside a stream or bytes. */
function statusNumber(status: string, beside: string): number {
  if (!/^\d{3}$/.test(status)) throw new UnsupportedError(`a ${status} range status beside ${beside}`);
  return Number(status);
}

/**
 * What every success response answers with. A method returns one kind of thing, so the 2xx
 * must agree: all JSON of one schema, all without content, one event stream and otherwise no
 * content, or bytes and otherwise no content.
 */
export function readSuccess(doc: OpenApiDocument, op: OperationObject): SuccessContent {
  const responses = op.responses ?? {};
  const statuses = Object.keys(responses).filter(isSuccess).sort();
  if (statuses.length === 0) throw new UnsupportedError('an operation without a 2xx response');
  const answers = statuses.map((status) => {
    const response = resolveRef(doc, responses[status] ?? {});
    return within({ location: `response ${status}` }, () => readAnswer(doc, status, response.content));
  });
  const withContent = answers.filter((a) => a.kind !== 'none');
  const [first] = withContent;
  if (!first) return { kind: 'empty' };
  const differing = withContent.find((a) => a.kind !== first.kind);
  if (differing) {
    const pair = `${first.status}: ${WHAT[first.kind]}, ${differing.status}: ${WHAT[differing.kind]}`;
    throw new UnsupportedError(`a mix of 2xx responses of different kinds (${pair})`, {
      location: 'responses',
    });
  }
  const empty = answers.filter((a) => a.kind === 'none');
  return within({ location: 'responses' }, () => {
    switch (first.kind) {
      case 'json':
        return readJson(first, withContent, empty);
      case 'events': {
        const second = withContent[1];
        if (second) throw new UnsupportedError(`several event streams (${first.status}, ${second.status})`);
        const emptyStatuses = empty.map((a) => statusNumber(a.status, 'an event stream'));
        return { kind: 'events', status: first.status, events: first.events, emptyStatuses };
      }
      case 'bytes': {
        const mediaTypes = [...new Set(withContent.flatMap((a) => (a.kind === 'bytes' ? a.mediaTypes : [])))];
        // 3xx too: a 304 answers an If-None-Match, and the caller sees its status.
        const declared = Object.keys(responses).filter((s) => /^[23]/.test(s));
        const numbers = declared.map((s) => statusNumber(s, 'bytes')).sort((a, b) => a - b);
        return { kind: 'bytes', mediaTypes, statuses: numbers };
      }
      default:
        throw new Error('unreachable');
    }
  });
}

function readJson(
  first: Answer & { kind: 'json' },
  answers: Answer[],
  empty: Answer[],
): SuccessContent & { kind: 'json' } {
  const none = empty[0];
  if (none) {
    const pair = `${first.status}: JSON, ${none.status}: none`;
    throw new UnsupportedError(`a mix of 2xx responses with and without content (${pair})`);
  }
  const differing = answers.find(
    (a) => a.kind === 'json' && JSON.stringify(a.schema) !== JSON.stringify(first.schema),
  );
  if (differing) {
    const pair = [first.status, differing.status].sort().join(', ');
    throw new UnsupportedError(`a different JSON schema per 2xx response (${pair})`);
  }
  return { kind: 'json', status: first.status, schema: first.schema };
}
