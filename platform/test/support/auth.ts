import { type Config, loadConfig } from '../../src/config.js';
import { createPlatform } from '../../src/platform.js';
import type { Backend } from './backends.js';
import type { Answer, Call, TestPlatform } from './harness.js';

/**
 * A test platform like `testPlatform`, with auth settings for tests: cheap scrypt, the client IP
 * read from `x-forwarded-for` (so a test can play many clients), and `overrides`.
 */
export async function authTestPlatform(
  backend: Backend,
  overrides: (config: Config) => Partial<Config> = () => ({}),
): Promise<TestPlatform> {
  const stores = await backend.create();
  const base: Config = {
    ...loadConfig({ AEROSTACK_AUTH_SCRYPT: '1024:8:1', AEROSTACK_CLIENT_IP_HEADER: 'x-forwarded-for' }),
    dataDir: stores.dataDir,
    databaseUrl: stores.databaseUrl,
    redisUrl: stores.redisUrl,
    masterKeys: stores.masterKeys,
    logLevel: 'silent',
    validateResponses: true,
  };
  const platform = await createPlatform({ ...base, ...overrides(base) });
  if (!platform.keys) throw new Error('fresh platform without keys');
  return {
    platform,
    keys: platform.keys,
    call: (call) => request(platform.app, call),
    async close() {
      await platform.close();
      await stores.cleanup();
    },
  };
}

let ipCounter = 0;
/** A client address no other test uses (per-IP limits stay out of the way). */
export function freshIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

async function request(
  app: { request(path: string, init: RequestInit): Promise<Response> | Response },
  call: Call,
): Promise<Answer> {
  const init: RequestInit = { method: call.method, headers: { ...(call.headers ?? {}) } };
  const h = init.headers as Record<string, string>;
  if (call.auth !== undefined) h.authorization = /\s/.test(call.auth) ? call.auth : `Bearer ${call.auth}`;
  if (call.body !== undefined) {
    init.body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    h['content-type'] ??= 'application/json';
  }
  const res = await app.request(call.path, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
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
