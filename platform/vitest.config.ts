import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'platform',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Hooks start platform processes (spawnPlatform waits up to 90 s for a banner): on a loaded
    // 2-core machine a cold start of tsx and the platform has taken longer than 30 s.
    hookTimeout: 90_000,
  },
});
