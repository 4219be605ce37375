import type { Config } from '../../src/config.js';
import type { Backend } from './backends.js';
import { type TestPlatform, testPlatform } from './harness.js';

/**
 * A test platform with the client IP read from `x-forwarded-for` (so a test can play many
 * clients), and `overrides`.
 */
export function authTestPlatform(
  backend: Backend,
  overrides: (config: Config) => Partial<Config> = () => ({}),
): Promise<TestPlatform> {
  return testPlatform(backend, { env: { AEROSTACK_CLIENT_IP_HEADER: 'x-forwarded-for' }, overrides });
}

let ipCounter = 0;
/** A client address no other test uses (per-IP limits stay out of the way). */
export function freshIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/**
 * Signs a new end user up on the platform's default project (publishable key) and answers their
 * session: for suites that call operations with the `userSession` scheme.
 */
export async function signedInUser(
  t: Pick<TestPlatform, 'call' | 'keys'>,
  email = `user.${Date.now()}.${++ipCounter}@example.com`,
): Promise<{ accessToken: string; refreshToken: string; userId: string; email: string }> {
  const res = await t.call({
    method: 'POST',
    path: '/v1/auth/sign-up',
    auth: t.keys.publishableKey,
    body: { email, password: 'correct horse battery' },
  });
  if (res.status !== 201) throw new Error(`sign-up answered ${res.status}: ${res.text}`);
  return {
    accessToken: res.json.accessToken,
    refreshToken: res.json.refreshToken,
    userId: res.json.user.id,
    email,
  };
}
