import type { Environment } from 'vitest/environments';
import { builtinEnvironments } from 'vitest/environments';

// jsdom, but with Node's own AbortController/AbortSignal left in place. jsdom replaces them with its
// own, and Node's fetch (undici) rejects a foreign signal on Node ≥ 22 — an artefact of mixing jsdom
// with Node's fetch that no browser has. The tests use Node's fetch to reach the real platform.
export default {
  name: 'jsdom-with-node-abort',
  transformMode: 'web',
  async setup(global, options) {
    const { AbortController, AbortSignal } = globalThis;
    const env = await builtinEnvironments.jsdom.setup(global, options);
    Object.assign(global, { AbortController, AbortSignal });
    return env;
  },
} satisfies Environment;
