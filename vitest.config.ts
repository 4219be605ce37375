import { defineConfig } from 'vitest/config';

// Every TypeScript suite, one project per package (each has its own vitest.config.ts).
export default defineConfig({
  test: {
    projects: [
      'platform',
      'packages/core',
      'packages/node',
      'packages/react',
      'generators',
      { test: { name: 'repo', include: ['test/**/*.test.ts'] } },
    ],
  },
});
