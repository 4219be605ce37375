import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// One table of credential checkers → one Principal → one permission step. The fixture module adds
// a `tst_` credential with a single row.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

const call = (path: string, credential?: string, init: RequestInit = {}) =>
  fetch(`${p.url}${path}`, {
    ...init,
    headers: { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...init.headers },
  });

describe('the credential table', () => {
  it('accepts a credential kind added by one row, for the operations that declare its scheme', async () => {
    const res = await call('/test/whoami', 'tst_valid');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ scheme: 'testToken', subject: 'tester' });
  });

  it('refuses an unknown credential of that kind, and that kind where the spec does not list it', async () => {
    expect((await call('/test/whoami', 'tst_other')).status).toBe(401);
    expect((await call('/test/whoami', 'tst_NOT-A-SHAPE')).status).toBe(401);
    const wrong = await call('/v1/cache/x', 'tst_valid');
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { code: string }).code).toBe('auth/wrong-credential-type');
    expect((await call('/test/whoami', p.secretKey)).status).toBe(403);
  });
});
