// What an operation sends and answers: one JSON request body, and one JSON schema (or no
// content at all) shared by every 2xx response. Anything else is refused here, before a
// renderer could turn it into a method that silently sends or returns nothing.
import {
  type MediaType,
  type OpenApiDocument,
  type OperationObject,
  resolveRef,
  type Schema,
} from '../spec.js';
import { MEDIA_TYPE_NOTE, UnsupportedError } from '../unsupported.js';

/** `application/json`, `application/merge-patch+json`, `application/json; charset=utf-8`. */
export function isJsonMediaType(mediaType: string): boolean {
  const essence = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^application\/([a-z0-9.!#$&^_-]+\+)?json$/.test(essence);
}

function refuseMediaType(mediaType: string, location: string): never {
  throw new UnsupportedError(`media type ${mediaType}`, { location }, MEDIA_TYPE_NOTE);
}

/** The request body's media type and schema (`{}`, any JSON, when it gives none). */
export function readRequestBody(doc: OpenApiDocument, op: OperationObject) {
  if (!op.requestBody) return undefined;
  const body = resolveRef(doc, op.requestBody);
  const location = 'request body';
  const entries = Object.entries(body.content ?? {});
  const [first] = entries;
  if (!first) throw new UnsupportedError('a request body without content', { location });
  // A client sends one media type; offering one of several would hide the others from callers.
  if (entries.length > 1) {
    const types = entries.map(([t]) => t).join(', ');
    throw new UnsupportedError(`a request body with several media types (${types})`, { location });
  }
  const [mediaType, media] = first;
  if (!isJsonMediaType(mediaType)) refuseMediaType(mediaType, location);
  return { mediaType, schema: media.schema ?? {}, required: body.required === true };
}

/** `200`, `201`, `2XX`: the statuses a method returns from rather than raises on. */
function isSuccess(status: string): boolean {
  return /^2(\d\d|XX)$/i.test(status);
}

/** The JSON schema of one success response, or `null` when it has no content. */
function successSchema(status: string, content: Record<string, MediaType> | undefined): Schema | null {
  const location = `response ${status}`;
  const entries = Object.entries(content ?? {});
  for (const [mediaType] of entries) if (!isJsonMediaType(mediaType)) refuseMediaType(mediaType, location);
  const schemas = entries.map(([, media]) => media.schema ?? {});
  const [first = null] = schemas;
  if (schemas.some((s) => JSON.stringify(s) !== JSON.stringify(first))) {
    throw new UnsupportedError('a response with several JSON media types of different schemas', {
      location,
    });
  }
  return first;
}

/**
 * The one schema every success response answers with (and the first status that does), or
 * `null` when none has content (`204`). A method returns one type, so its 2xx must agree.
 */
export function readSuccess(
  doc: OpenApiDocument,
  op: OperationObject,
): { status: string; schema: Schema | null } {
  const statuses = Object.keys(op.responses ?? {})
    .filter(isSuccess)
    .sort();
  if (statuses.length === 0) throw new UnsupportedError('an operation without a 2xx response');
  const answers = statuses.map((status) => {
    const response = resolveRef(doc, op.responses?.[status] ?? {});
    return { status, schema: successSchema(status, response.content) };
  });
  const [first] = answers;
  const differing = answers.find((a) => JSON.stringify(a.schema) !== JSON.stringify(first?.schema));
  if (first && differing) {
    const what = (a: typeof first) => (a.schema ? 'JSON' : 'none');
    const pair = `${first.status}: ${what(first)}, ${differing.status}: ${what(differing)}`;
    const construct =
      what(first) === what(differing)
        ? `a different JSON schema per 2xx response (${first.status}, ${differing.status})`
        : `a mix of 2xx responses with and without content (${pair})`;
    throw new UnsupportedError(construct, { location: 'responses' });
  }
  return first ?? { status: '', schema: null };
}
