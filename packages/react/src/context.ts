import type { AerostackClient } from '@aerostack/core';
import { createContext, useContext } from 'react';

export const AerostackContext = createContext<AerostackClient | null>(null);

/** The provider's client; throws a message that says how to fix it when there is no provider above. */
export function useAerostackContext(hook: string): AerostackClient {
  const client = useContext(AerostackContext);
  if (client === null) {
    throw new Error(
      `${hook} must be used inside <AerostackProvider client={client}>: wrap your app (or this component's tree) in it.`,
    );
  }
  return client;
}
