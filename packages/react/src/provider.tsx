import type { AerostackClient } from '@aerostack/core';
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useContext, useRef } from 'react';
import { AerostackContext } from './context.js';

/**
 * Props of {@link AerostackProvider}.
 *
 * @example
 * ```tsx
 * const props: AerostackProviderProps = { client, queryClient: new QueryClient(), children: <App /> };
 * ```
 */
export interface AerostackProviderProps {
  /** The client every hook below uses, from `createClient()` of `@aerostack/core`. */
  client: AerostackClient;
  /**
   * The TanStack Query client to keep query data in. Defaults to the one of a
   * `<QueryClientProvider>` above, or else one this provider creates and keeps for its lifetime.
   */
  queryClient?: QueryClient;
  children?: ReactNode;
}

/**
 * Makes an Aerostack client available to the hooks below it (`useAerostack`, `useCache`, …).
 * Safe to render on the server: it touches no browser globals.
 *
 * @example
 * ```tsx
 * const client = createClient({ url: 'http://127.0.0.1:8787', publishableKey: 'pk_…' });
 *
 * createRoot(el).render(
 *   <AerostackProvider client={client}>
 *     <App />
 *   </AerostackProvider>,
 * );
 * ```
 */
export function AerostackProvider({ client, queryClient, children }: AerostackProviderProps): ReactNode {
  const outer = useContext(QueryClientContext);
  // Created lazily and only when nobody gave us one, then kept: a new QueryClient per render would drop all data.
  const own = useRef<QueryClient | null>(null);
  if (queryClient === undefined && outer === undefined && own.current === null) {
    own.current = new QueryClient();
  }
  const content = <AerostackContext.Provider value={client}>{children}</AerostackContext.Provider>;
  const provided = queryClient ?? (outer === undefined ? own.current : null);
  return provided ? <QueryClientProvider client={provided}>{content}</QueryClientProvider> : content;
}
