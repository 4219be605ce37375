import type { SessionStorage } from './session-store';

// The session in cookies, so a server rendering a page and the browser showing it share one
// session: the browser's client writes `document.cookie`, the server's reads the request's
// cookies (and writes the response's when it refreshes).

/** Attributes of the session cookies. */
export interface CookieOptions {
  path?: string | undefined;
  domain?: string | undefined;
  /** Seconds; the default keeps the cookie for 400 days (browsers' cap), the refresh token decides. */
  maxAge?: number | undefined;
  sameSite?: 'lax' | 'strict' | 'none' | undefined;
  secure?: boolean | undefined;
  httpOnly?: boolean | undefined;
}

/** Reading and writing cookies, sync or async: a framework's cookie API, or `browserCookies()`. */
export interface CookieMethods {
  get(name: string): string | null | undefined | Promise<string | null | undefined>;
  set(name: string, value: string, options: CookieOptions): void | Promise<void>;
  remove(name: string, options: CookieOptions): void | Promise<void>;
}

/** Browsers take about 4096 bytes per cookie, name and attributes included. */
const CHUNK = 3000;
const MAX_CHUNKS = 10;
const DEFAULTS: CookieOptions = { path: '/', sameSite: 'lax', maxAge: 400 * 24 * 3600 };

/**
 * A `SessionStorage` in cookies: the session's JSON, URI-encoded, split over `<key>.0`,
 * `<key>.1`… when it is longer than one cookie holds (a user's metadata can be).
 *
 * @example
 * // Next.js, in a server component or route handler:
 * const client = createClient({ url, publishableKey, auth: { storage: cookieStorage({
 *   get: (name) => cookies().get(name)?.value,
 *   set: (name, value, options) => cookies().set(name, value, options),
 *   remove: (name, options) => cookies().set(name, '', { ...options, maxAge: 0 }),
 * }) } });
 */
export function cookieStorage(cookies: CookieMethods, options: CookieOptions = {}): SessionStorage {
  const attributes = { ...DEFAULTS, ...options };
  const names = (key: string) => Array.from({ length: MAX_CHUNKS }, (_, i) => `${key}.${i}`);
  return {
    async getItem(key) {
      let text = '';
      for (const name of names(key)) {
        const part = await cookies.get(name);
        if (!part) break;
        text += part;
      }
      if (!text) return null;
      try {
        return decodeURIComponent(text);
      } catch {
        return null; // not ours, or cut short
      }
    },
    async setItem(key, value) {
      const encoded = encodeURIComponent(value);
      const parts = Math.ceil(encoded.length / CHUNK);
      if (parts > MAX_CHUNKS) throw new RangeError(`The session is too large for ${MAX_CHUNKS} cookies.`);
      for (const [i, name] of names(key).entries()) {
        if (i < parts) await cookies.set(name, encoded.slice(i * CHUNK, (i + 1) * CHUNK), attributes);
        else if (await cookies.get(name)) await cookies.remove(name, attributes);
        else break;
      }
    },
    async removeItem(key) {
      for (const name of names(key)) {
        if (!(await cookies.get(name))) break;
        await cookies.remove(name, attributes);
      }
    },
  };
}

/** `Set-Cookie` text for `name=value` with `options` (for servers without a cookie API). */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const parts = [`${name}=${value}`];
  if (options.path) parts.push(`Path=${options.path}`);
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(options.maxAge)}`);
  if (options.sameSite)
    parts.push(`SameSite=${options.sameSite[0]!.toUpperCase()}${options.sameSite.slice(1)}`);
  if (options.secure) parts.push('Secure');
  if (options.httpOnly) parts.push('HttpOnly');
  return parts.join('; ');
}

/** The cookies of a `Cookie` request header, by name (the first of a repeated name wins). */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const name = pair.slice(0, at).trim();
    if (name && !cookies.has(name)) cookies.set(name, pair.slice(at + 1).trim());
  }
  return cookies;
}

/**
 * `CookieMethods` over a request's `Cookie` header and a response's `Set-Cookie` headers, for a
 * plain server (`node:http`, a fetch handler). What is set is also read back by later calls.
 *
 * @example
 * const jar = requestCookies(request.headers.get('cookie'));
 * const client = createClient({ url, publishableKey, auth: { storage: cookieStorage(jar) } });
 * // … render, then: for (const line of jar.setCookies) response.headers.append('Set-Cookie', line);
 */
export function requestCookies(header: string | null | undefined): CookieMethods & { setCookies: string[] } {
  const jar = parseCookies(header);
  const setCookies: string[] = [];
  return {
    setCookies,
    get: (name) => jar.get(name),
    set(name, value, options) {
      jar.set(name, value);
      setCookies.push(serializeCookie(name, value, options));
    },
    remove(name, options) {
      jar.delete(name);
      setCookies.push(serializeCookie(name, '', { ...options, maxAge: 0 }));
    },
  };
}

/** `CookieMethods` over `document.cookie`, for the browser side of a server-rendered app. */
export function browserCookies(): CookieMethods {
  const doc = () => (globalThis as unknown as { document: { cookie: string } }).document;
  return {
    get: (name) => parseCookies(doc().cookie).get(name),
    set: (name, value, options) => {
      doc().cookie = serializeCookie(name, value, options);
    },
    remove: (name, options) => {
      doc().cookie = serializeCookie(name, '', { ...options, maxAge: 0 });
    },
  };
}
