import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: {
    // Unit tests run against core's source; the dist tests load the built packages explicitly.
    alias: [
      {
        find: /^@aerostack\/core$/,
        replacement: fileURLToPath(new URL('../core/src/index.ts', import.meta.url)),
      },
      {
        find: /^@aerostack\/core\/admin$/,
        replacement: fileURLToPath(new URL('../core/src/admin.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'node',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
