import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // Without the source `paths` of tsconfig.json, so @aerostack/core stays an import of the built package.
  tsconfig: 'tsconfig.build.json',
  dts: true,
  target: 'es2022',
  platform: 'node',
  removeNodeProtocol: false,
  sourcemap: true,
  clean: true,
  treeshake: true,
});
