import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/admin.ts'],
  // The browser-facing config (DOM globals, no Node types); tsconfig.json is for the Node tests.
  tsconfig: 'tsconfig.build.json',
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { types: [] } },
  target: 'es2022',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  treeshake: true,
  // No shared chunks: the root entry stays one file, measured by the size budget on its own.
  splitting: false,
});
