import type { CLIENT_ERRORS } from '../generated/behaviour';
import type { ErrorCode } from '../generated/error-codes';
import type { components } from '../generated/openapi';

/** Brand shared by every copy of this package, so `isAerostackError` works across bundles. */
const BRAND: unique symbol = Symbol.for('aerostack.error') as never;

/**
 * An error code produced by the client itself, not by the platform.
 *
 * @example
 * if (isAerostackError(err) && err.code === 'client/timeout') retryLater();
 */
export type ClientErrorCode = (typeof CLIENT_ERRORS)[keyof typeof CLIENT_ERRORS];

/**
 * A field-level problem of an invalid request (`errors[]` of a problem body).
 *
 * @example
 * for (const { location, message } of err.errors ?? []) console.log(location, message);
 */
export type FieldProblem = components['schemas']['FieldProblem'];

/**
 * The fields an `AerostackError` is built from.
 *
 * @example
 * new AerostackError({ code: 'client/timeout', status: 0, title: 'Request timed out' });
 */
export interface AerostackErrorInit {
  code: ErrorCode | ClientErrorCode | (string & {});
  status: number;
  title: string;
  detail?: string | null | undefined;
  requestId?: string | null | undefined;
  type?: string | undefined;
  errors?: FieldProblem[] | undefined;
  cause?: unknown;
}

/**
 * The one error every Aerostack client call rejects with. Switch on `code`, which is stable;
 * `title` and `detail` are for people. `status` is the HTTP status, or 0 when no response
 * arrived (network failure, timeout, abort).
 *
 * @example
 * try {
 *   await client.cache.set('k', 1);
 * } catch (err) {
 *   if (isAerostackError(err) && err.code === 'auth/invalid-credentials') rotateKey();
 *   else throw err;
 * }
 */
export class AerostackError extends Error {
  override readonly name = 'AerostackError';
  /** A stable `area/kebab-name` code, e.g. `cache/not-found` or `client/timeout`. */
  readonly code: ErrorCode | ClientErrorCode | (string & {});
  /** The HTTP status; 0 when the request got no response. */
  readonly status: number;
  /** The request's `X-Request-Id`, to find it in the platform's logs; null when none. */
  readonly requestId: string | null;
  /** A short summary of the problem type. */
  readonly title: string;
  /** What went wrong with this request; null when the problem body gave no detail. */
  readonly detail: string | null;
  /** A URI reference naming the problem type. */
  readonly type: string;
  /** Field-level problems of an invalid request. */
  readonly errors?: FieldProblem[];
  declare readonly [BRAND]: true;

  constructor(init: AerostackErrorInit) {
    super(init.detail || init.title, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail ?? null;
    this.requestId = init.requestId ?? null;
    this.type = init.type ?? 'about:blank';
    if (init.errors) this.errors = init.errors;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any `AerostackError`, even one thrown by another bundled copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isAerostackError(value);
  }

  /** A plain object for logs and `JSON.stringify`, shaped like the platform's problem body. */
  toJSON(): AerostackErrorJSON {
    return {
      name: this.name,
      code: this.code,
      status: this.status,
      title: this.title,
      detail: this.detail,
      type: this.type,
      requestId: this.requestId,
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/**
 * What `AerostackError#toJSON()` returns.
 *
 * @example
 * const body: AerostackErrorJSON = err.toJSON();
 */
export interface AerostackErrorJSON {
  name: 'AerostackError';
  code: string;
  status: number;
  title: string;
  detail: string | null;
  type: string;
  requestId: string | null;
  errors?: FieldProblem[];
}

/**
 * Whether `value` is an `AerostackError`, including one created by a different copy of this
 * package (two bundles, two versions): the check uses a `Symbol.for` brand, not `instanceof`.
 *
 * @example
 * catch (err) { if (isAerostackError(err)) console.log(err.code, err.requestId); }
 */
export function isAerostackError(value: unknown): value is AerostackError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}
