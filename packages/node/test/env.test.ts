import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { createAdminClient, createClient } from '../src';

let platform: RunningPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(() => platform?.close());
afterEach(() => {
  vi.unstubAllEnvs();
});

function stubPlatformEnv() {
  vi.stubEnv('AEROSTACK_URL', platform.url);
  vi.stubEnv('AEROSTACK_SECRET_KEY', platform.secretKey);
  vi.stubEnv('AEROSTACK_ACCOUNT_KEY', platform.accountKey);
}

describe('defaults from the environment', () => {
  it('createClient() uses AEROSTACK_URL and AEROSTACK_SECRET_KEY', async () => {
    stubPlatformEnv();
    const client = createClient();
    expect(client.url).toBe(platform.url);
    await expect(client.cache.increment('env-counter')).resolves.toMatchObject({ value: 1 });
  });

  it('createAdminClient() uses AEROSTACK_URL and AEROSTACK_ACCOUNT_KEY', async () => {
    stubPlatformEnv();
    const page = await createAdminClient().projects.list();
    expect(page.data.map((p) => p.id)).toContain(platform.projectId);
  });

  it('lets explicit options win over the environment', async () => {
    stubPlatformEnv();
    const client = createClient({ publishableKey: platform.publishableKey });
    await expect(client.cache.get('k')).rejects.toMatchObject({ code: 'auth/wrong-credential-type' });
  });

  it('takes a credential provider over AEROSTACK_SECRET_KEY', async () => {
    stubPlatformEnv();
    const client = createClient({ credential: async () => platform.publishableKey });
    await expect(client.cache.get('k')).rejects.toMatchObject({ code: 'auth/wrong-credential-type' });
  });

  it('says which option or variable is missing', () => {
    vi.stubEnv('AEROSTACK_URL', '');
    vi.stubEnv('AEROSTACK_ACCOUNT_KEY', '');
    expect(() => createClient()).toThrow(/AEROSTACK_URL/);
    expect(() => createAdminClient({ url: 'http://localhost:1' })).toThrow(/AEROSTACK_ACCOUNT_KEY/);
  });
});
