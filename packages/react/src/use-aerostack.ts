import type { AerostackClient } from '@aerostack/core';
import { useAerostackContext } from './context.js';

/**
 * The Aerostack client given to the nearest `<AerostackProvider>`.
 * Throws when called outside a provider.
 *
 * @example
 * ```tsx
 * function Reset() {
 *   const client = useAerostack();
 *   return <button onClick={() => client.cache.delete('visits')}>Reset</button>;
 * }
 * ```
 */
export function useAerostack(): AerostackClient {
  return useAerostackContext('useAerostack()');
}
