import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  // The browser-facing config (DOM globals, no Node types); tsconfig.json is for the Node tests.
  tsconfig: 'tsconfig.build.json',
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { types: [] } },
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
});
