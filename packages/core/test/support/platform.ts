import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningPlatform, startPlatform } from '@aerostack/platform';

/** Starts the real platform in-process on a random port with a fresh data dir; close() removes it. */
export async function startTestPlatform(env: Record<string, string> = {}): Promise<RunningPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'aerostack-sdk-test-'));
  const platform = await startPlatform({
    dataDir,
    quiet: true,
    env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1', ...env },
  });
  return {
    ...platform,
    async close() {
      await platform.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
