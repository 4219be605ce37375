import type { Endpoint } from '../../http/endpoints.js';
import type { Services } from '../../services.js';
import { limit } from './limits.js';
import { CALLBACK_PATH } from './oidc-providers.js';

/**
 * Where OpenID Connect providers send the browser back (decision 0032). Not a spec operation: the
 * provider calls it, with the provider's query parameters, and it answers with a redirect (303)
 * to the app, never with JSON. An unknown, used or expired state answers problem+json
 * `auth/oidc-invalid-state` (400): there is no app address to trust then. Limited per client IP
 * (the state names the project only once it has been looked up): 429 `rate-limit/exceeded`.
 */
export function oidcCallbackEndpoint(services: Services): Endpoint {
  return {
    method: 'GET',
    path: CALLBACK_PATH,
    description:
      "OpenID Connect callback: exchanges the code and redirects to the flow's redirectTo with a one-time code (or an OAuth 2 error).",
    errors:
      'redirect with OAuth 2 error parameters; problem+json when the state is unknown (400) or one address sent too many (429)',
    decision: 'docs/decisions/0032-openid-connect-sign-in.md',
    async handle({ request, baseHeaders, clientIp }) {
      await limit(services, 'oidcCallback', { ip: clientIp, projectId: 'any' });
      const location = await services.auth.oidc.callback(new URL(request.url).searchParams);
      return new Response(null, {
        status: 303,
        headers: { ...baseHeaders, location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      });
    },
  };
}
