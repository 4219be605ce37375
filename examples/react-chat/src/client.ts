import { createClient, type FetchLike } from '@aerostack/core';

// The platform's URL and the project's publishable key come from Vite's env (.env.local, or the
// shell: VITE_AEROSTACK_URL=… VITE_AEROSTACK_PUBLISHABLE_KEY=pk_… pnpm dev). Never a secret key in a browser.
const url = import.meta.env.VITE_AEROSTACK_URL ?? 'http://127.0.0.1:8787';
const publishableKey = import.meta.env.VITE_AEROSTACK_PUBLISHABLE_KEY;
if (!publishableKey)
  throw new Error('Set VITE_AEROSTACK_PUBLISHABLE_KEY (the project publishable key, pk_…)');

// Workaround, to remove once @aerostack/core handles it: Chromium gives a 204 response an empty
// body stream (Node gives null), and core's transport re-wraps non-JSON 2xx bodies in
// `new Response(body, { status: 204 })`, which throws "Response with null body status cannot have
// body" — so sendOTP and signOut fail in Chromium. Hand core a 204 without a body.
const fetchWithoutEmptyBodies: FetchLike = async (request) => {
  const response = await fetch(request);
  if (response.status !== 204 || response.body === null) return response;
  return new Response(null, { status: 204, statusText: response.statusText, headers: response.headers });
};

export const client = createClient({ url, publishableKey, fetch: fetchWithoutEmptyBodies });
