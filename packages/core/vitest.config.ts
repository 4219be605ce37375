import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: {
    // The scenario runner calls @aerostack/node's admin client from its source, which imports
    // this package: resolve that to this source too, so both share one copy.
    alias: [
      { find: /^@aerostack\/core$/, replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)) },
      {
        find: /^@aerostack\/core\/admin$/,
        replacement: fileURLToPath(new URL('src/admin.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'core',
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
