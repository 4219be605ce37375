import { ApiError } from '../../http/problem.js';

/**
 * Whether `target` is under one of `allowed` (URL prefixes): same scheme and host, and a path
 * that continues the allowed one at a `/`. Compared parsed, so `http://app.test.evil.example` is
 * not under `http://app.test` and `http://app.test@evil.example` not under anything.
 */
function isUnder(target: URL, prefix: URL): boolean {
  if (target.protocol !== prefix.protocol || target.host !== prefix.host) return false;
  if (target.username || target.password) return false;
  const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
  return target.pathname === prefix.pathname || target.pathname.startsWith(base) || prefix.pathname === '/';
}

/** `redirectTo` if allowed (else 400 `auth/redirect-not-allowed`), or the platform URL when absent. */
export function checkRedirect(redirectTo: string | undefined, publicUrl: string, allowed: readonly string[]) {
  if (redirectTo === undefined) return publicUrl;
  const target = URL.canParse(redirectTo) ? new URL(redirectTo) : null;
  if (target && [publicUrl, ...allowed].some((prefix) => isUnder(target, new URL(prefix)))) return redirectTo;
  throw new ApiError(
    'auth/redirect-not-allowed',
    "Links may point only under the platform URL or one of the allowed redirect URLs (the project's auth settings, or AEROSTACK_AUTH_REDIRECT_URLS).",
  );
}

/** `base` with the flow's query parameters added. */
export function linkTo(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
