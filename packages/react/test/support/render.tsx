import type { AerostackClient } from '@aerostack/core';
import { QueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { AerostackProvider } from '../../src/index.js';

/** A `wrapper` for render/renderHook: the provider with `client` and a fresh QueryClient (or the one given). */
export function providerFor(client: AerostackClient, queryClient: QueryClient = new QueryClient()) {
  return ({ children }: { children: ReactNode }) => (
    <AerostackProvider client={client} queryClient={queryClient}>
      {children}
    </AerostackProvider>
  );
}
