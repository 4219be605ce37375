import { CLIENT_ERRORS, REQUEST_ID_HEADER } from '../generated/behaviour';
import { AerostackError, type FieldProblem } from './aerostack-error';

interface ProblemLike {
  code: string;
  title?: unknown;
  detail?: unknown;
  type?: unknown;
  requestId?: unknown;
  errors?: unknown;
}

function isProblemLike(body: unknown): body is ProblemLike {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string';
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * `client/invalid-response`: the platform answered with a body that is not what it should be
 * (not a problem document, not the JSON or event stream the operation declares).
 */
export function invalidResponse(response: Response, detail: string): AerostackError {
  return new AerostackError({
    code: CLIENT_ERRORS.invalidResponse,
    status: response.status,
    title: 'Invalid response',
    detail,
    requestId: response.headers.get(REQUEST_ID_HEADER),
  });
}

/**
 * Builds the error for a non-2xx response from its status, headers and body text. A body that
 * is not a problem document (a proxy's HTML page, say) gives `client/invalid-response` with the
 * real status, so callers can still switch on `status`.
 */
export function errorFromResponse(response: Response, text: string): AerostackError {
  const body = parseJson(text);
  if (!isProblemLike(body))
    return invalidResponse(response, `Status ${response.status} without a problem body.`);
  return new AerostackError({
    code: body.code,
    status: response.status,
    title: optionalString(body.title) ?? (response.statusText || 'Error'),
    detail: optionalString(body.detail),
    type: optionalString(body.type),
    requestId: optionalString(body.requestId) ?? response.headers.get(REQUEST_ID_HEADER),
    errors: Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : undefined,
  });
}
