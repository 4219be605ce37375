import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'generators',
    include: ['test/**/*.test.ts'],
    // go vet / go test on the fixture output compile a module.
    testTimeout: 120_000,
  },
});
