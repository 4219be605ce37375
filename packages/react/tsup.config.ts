import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // Hooks and context only work in client components (React Server Components, e.g. Next.js app/).
  banner: { js: "'use client';" },
  external: ['react', 'react/jsx-runtime', '@tanstack/react-query', '@aerostack/core'],
});
