import { AerostackError, type FieldProblem } from './aerostack-error';

const REQUEST_ID_HEADER = 'X-Request-Id';

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
 * Builds the error for a non-2xx response from its status, headers and body text. A body that
 * is not a problem document (a proxy's HTML page, say) gives `client/invalid-response` with the
 * real status, so callers can still switch on `status`.
 */
export function errorFromResponse(response: Response, text: string): AerostackError {
  const headerRequestId = response.headers.get(REQUEST_ID_HEADER);
  const body = parseJson(text);
  if (!isProblemLike(body)) {
    return new AerostackError({
      code: 'client/invalid-response',
      status: response.status,
      title: 'Invalid response',
      detail: `The platform answered ${response.status} without a problem+json body.`,
      requestId: headerRequestId,
    });
  }
  return new AerostackError({
    code: body.code,
    status: response.status,
    title: optionalString(body.title) ?? (response.statusText || 'Error'),
    detail: optionalString(body.detail),
    type: optionalString(body.type),
    requestId: optionalString(body.requestId) ?? headerRequestId,
    errors: Array.isArray(body.errors) ? (body.errors as FieldProblem[]) : undefined,
  });
}

/** The error for a 2xx response whose body is not the JSON it claims to be. */
export function invalidSuccessBody(response: Response): AerostackError {
  return new AerostackError({
    code: 'client/invalid-response',
    status: response.status,
    title: 'Invalid response',
    detail: 'The platform answered with a body that is not valid JSON.',
    requestId: response.headers.get(REQUEST_ID_HEADER),
  });
}
