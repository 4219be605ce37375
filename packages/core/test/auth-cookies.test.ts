import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieStorage, createClient, requestCookies } from '../src';
import { startTestPlatform } from './support/platform';

// The session in cookies: what the browser's client stores, a server rendering the next request
// reads from its Cookie header — and the session is the same user's.

/** The Cookie header a browser would send back after these Set-Cookie lines. */
function cookieHeader(setCookies: string[]): string {
  const jar = new Map<string, string>();
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split('; ');
    const at = pair!.indexOf('=');
    const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)];
    if (attributes.includes('Max-Age=0')) jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

describe('cookieStorage', () => {
  it('round-trips a value through Set-Cookie and Cookie, split over several cookies when large', async () => {
    const first = requestCookies('');
    const storage = cookieStorage(first, { secure: true });
    const large = JSON.stringify({ blob: 'é'.repeat(4000) }); // ~24 kB URI-encoded: several cookies
    await storage.setItem('app.auth', large);
    expect(first.setCookies.length).toBeGreaterThan(3);
    expect(first.setCookies[0]).toMatch(/^app\.auth\.0=[^;]+; Path=\/; Max-Age=\d+; SameSite=Lax; Secure$/);
    expect(await storage.getItem('app.auth')).toBe(large);

    const next = requestCookies(`other=1; ${cookieHeader(first.setCookies)}`);
    expect(await cookieStorage(next).getItem('app.auth')).toBe(large);
    // A smaller value drops the chunks it no longer needs.
    await cookieStorage(next).setItem('app.auth', '{"small":true}');
    const after = cookieHeader([...first.setCookies, ...next.setCookies]);
    expect(after).not.toContain('app.auth.1=');
    expect(await cookieStorage(requestCookies(after)).getItem('app.auth')).toBe('{"small":true}');
    await cookieStorage(next).removeItem('app.auth');
    expect(await cookieStorage(next).getItem('app.auth')).toBeNull();
  });

  it('ignores a cookie that is not valid URI encoding', async () => {
    expect(await cookieStorage(requestCookies('app.auth.0=%E0%A4%A')).getItem('app.auth')).toBeNull();
  });
});

describe('a session shared by the browser and the server through cookies', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform();
  });
  afterAll(() => platform?.close());

  it('signs in on one side and is the same user on the other', async () => {
    const browser = requestCookies('');
    const client = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: cookieStorage(browser) },
    });
    const email = `cookie-${Date.now()}@example.com`;
    await client.auth.signUp({ email, password: 'correct horse battery' });

    const server = requestCookies(cookieHeader(browser.setCookies));
    const rendering = createClient({
      url: platform.url,
      publishableKey: platform.publishableKey,
      auth: { storage: cookieStorage(server) },
    });
    expect((await rendering.auth.getSession())?.user.email).toBe(email);
    expect((await rendering.auth.refreshUser()).email).toBe(email); // called as that user
  });
});
