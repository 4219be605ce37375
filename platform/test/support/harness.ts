import { type Config, loadConfig } from '../../src/config.js';
import { createPlatform, type Platform } from '../../src/platform.js';
import type { Backend } from './backends.js';

type Stores = Awaited<ReturnType<Backend['create']>>;

export interface Call {
  method: string;
  path: string;
  /** A raw Authorization header value, or a credential to send as Bearer. */
  auth?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is. */
  body?: unknown;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  json: any;
}

export interface TestPlatform {
  platform: Platform;
  keys: NonNullable<Platform['keys']>;
  call(call: Call): Promise<Answer>;
  close(): Promise<void>;
}

/** Settings every test platform starts from: cheap password hashing (tests never need the real cost). */
export const TEST_ENV = { AEROSTACK_AUTH_SCRYPT: '1024:8:1' };

export interface ConfigOptions {
  /** Settings as environment variables, on top of TEST_ENV. */
  env?: Record<string, string>;
  /** Changes to the parsed config. */
  overrides?: (config: Config) => Partial<Config>;
}

/** A test platform's config on `stores`: quiet, responses checked against the spec. */
export function configFor(stores: Stores, options: ConfigOptions = {}): Config {
  const base: Config = {
    ...loadConfig({ ...TEST_ENV, ...options.env }),
    dataDir: stores.dataDir,
    databaseUrl: stores.databaseUrl,
    redisUrl: stores.redisUrl,
    masterKeys: stores.masterKeys,
    logLevel: 'silent',
    validateResponses: true,
  };
  return { ...base, ...options.overrides?.(base) };
}

/**
 * A platform on `backend` answering through `app.request()` (no port), responses checked against
 * the spec; `env` adds settings as environment variables, `overrides` changes the parsed config.
 */
export async function testPlatform(backend: Backend, options: ConfigOptions = {}): Promise<TestPlatform> {
  const stores = await backend.create();
  const platform = await createPlatform(configFor(stores, options));
  if (!platform.keys) throw new Error('fresh platform without keys');
  return {
    platform,
    keys: platform.keys,
    async call({ method, path, auth, headers = {}, body }) {
      const init: RequestInit = { method, headers: { ...headers } };
      const h = init.headers as Record<string, string>;
      if (auth !== undefined) h.authorization = /\s/.test(auth) ? auth : `Bearer ${auth}`;
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await platform.app.request(path, init);
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      await platform.close();
      await stores.cleanup();
    },
  };
}
