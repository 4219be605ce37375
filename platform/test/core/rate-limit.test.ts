import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../fixtures/platform.js';

// A rate limit declared on an operation in the spec (`x-aerostack-rate-limit`), per credential,
// with the IETF RateLimit headers and Retry-After. Shared across workers: see cluster-mode.test.ts.

type Fixture = Awaited<ReturnType<typeof startFixturePlatform>>;
let p: Fixture;
beforeAll(async () => {
  p = await startFixturePlatform();
});
afterAll(() => p?.close());

describe('rate limits', () => {
  it('allows the limit, then answers 429 with Retry-After, per credential', async () => {
    const get = (credential: string) =>
      fetch(`${p.url}/test/limited`, { headers: { authorization: `Bearer ${credential}` } });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(p.secretKey));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('3');
    const refused = answers[3]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { code: string }).code).toBe('rate-limit/exceeded');
    expect(refused.headers.get('access-control-expose-headers')).toContain('Retry-After');

    // Another project's key has its own allowance.
    const other = (await (
      await fetch(`${p.url}/v1/projects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${p.accountKey}`, 'content-type': 'application/json' },
        body: '{"name":"other"}',
      })
    ).json()) as { secretKey: { key: string } };
    expect((await get(other.secretKey.key)).status).toBe(200);
  });
});
