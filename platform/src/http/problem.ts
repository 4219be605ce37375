import type { ErrorCode } from '@aerostack/spec/error-codes';
import type { Reply } from './reply/reply.js';
import { bundledSpec, type ErrorCodeEntry } from './spec.js';

// The error catalogue: the bundled spec's codes, plus those of test-only fragments (addErrorCodes).
const catalogue = new Map<string, ErrorCodeEntry>(Object.entries(bundledSpec['x-aerostack-error-codes']));

/** Makes the codes of a fragment that is not in the bundled spec (a fixture module) throwable. */
export function addErrorCodes(codes: Record<string, ErrorCodeEntry> | undefined): void {
  for (const [code, entry] of Object.entries(codes ?? {})) catalogue.set(code, entry);
}

export interface FieldProblem {
  location: string;
  message: string;
}

/** The RFC 9457 body every error response carries. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  requestId: string;
  errors?: FieldProblem[];
}

/**
 * An error a handler or middleware throws on purpose. Its status and title come from the spec's
 * error catalogue (`x-aerostack-error-codes`), so a code means the same thing everywhere.
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    const entry = catalogue.get(code);
    if (!entry) throw new Error(`error code ${code} is not in the spec's catalogue`);
    super(detail ?? entry.title);
    this.status = entry.status;
    this.title = entry.title;
  }

  toProblem(requestId: string): ProblemBody {
    return {
      type: `https://aerostack.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      code: this.code,
      requestId,
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
    };
  }
}

/** The problem+json reply for `error`; `headers` are the ones every response carries. */
export function problemReply(
  error: ApiError,
  requestId: string,
  headers: Record<string, string> = {},
): Reply {
  return {
    status: error.status,
    headers: {
      ...headers,
      'content-type': 'application/problem+json',
      'x-request-id': requestId,
      ...error.extra.headers,
    },
    body: JSON.stringify(error.toProblem(requestId)),
  };
}
