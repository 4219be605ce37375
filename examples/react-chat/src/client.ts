import { createClient } from '@aerostack/core';

// The platform's URL and the project's publishable key come from Vite's env (.env.local, or the
// shell: VITE_AEROSTACK_URL=… VITE_AEROSTACK_PUBLISHABLE_KEY=pk_… pnpm dev). Never a secret key in a browser.
const url = import.meta.env.VITE_AEROSTACK_URL ?? 'http://127.0.0.1:8787';
const publishableKey = import.meta.env.VITE_AEROSTACK_PUBLISHABLE_KEY;
if (!publishableKey)
  throw new Error('Set VITE_AEROSTACK_PUBLISHABLE_KEY (the project publishable key, pk_…)');

export const client = createClient({ url, publishableKey });
