import type { Module } from './module.js';

// The modules the platform serves, in boot order. A module's `create` may use the services of the
// modules above it; handlers may use any module's service. Adding a module is adding one line here; `pnpm generate` bundles each listed module's
// spec.yaml, in this order.
export const modules: Module[] = [
  (await import('./health/module.js')).default,
  (await import('./account/module.js')).default,
  (await import('./projects/module.js')).default,
  (await import('./keys/module.js')).default,
  (await import('./cache/module.js')).default,
  (await import('./rules/module.js')).default,
  (await import('./auth/module.js')).default,
  (await import('./db/module.js')).default,
  (await import('./realtime/module.js')).default,
  (await import('./workspaces/module.js')).default,
  (await import('./analytics/module.js')).default,
  (await import('./gateway/module.js')).default,
  (await import('./queue/module.js')).default,
  (await import('./storage/module.js')).default,
  (await import('./ai/module.js')).default,
  (await import('./vector/module.js')).default,
  (await import('./hosting/module.js')).default,
];
