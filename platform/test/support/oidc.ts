/// <reference path="./oidc-provider.d.ts" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** What the test OP says about an account. */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
}

export interface TestOp {
  issuer: string;
  /** Accounts by subject; the interaction signs in the one named by `?account=` (the test's choice). */
  accounts: Map<string, TestAccount>;
  clients: { id: string; secret: string }[];
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (oidc-provider) on 127.0.0.1, with confidential clients whose
 * redirect URI is `callbackUrl`. Its interaction (login + consent) has no page: the test adds
 * `account=<subject>` to the interaction URL, and it signs that account in and consents at once.
 */
export async function startTestOp(callbackUrl: string): Promise<TestOp> {
  const accounts = new Map<string, TestAccount>();
  const clients = [
    { id: 'aerostack-test', secret: 'a-test-secret-that-is-long-enough-32' },
    { id: 'another-app', secret: 'another-secret-that-is-long-enough-32' },
  ];
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => {
    if (!provider) return void res.writeHead(503).end();
    const url = new URL(req.url ?? '/', 'http://op');
    const match = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (!match) return provider.callback()(req, res);
    void interact(provider, req, res, url.searchParams.get('account')).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test', use: 'sig', alg: 'RS256' }] },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 3600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
    },
    clients: clients.map((c) => ({
      client_id: c.id,
      client_secret: c.secret,
      redirect_uris: [callbackUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    async findAccount(_ctx: unknown, sub: string) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['a-cookie-key-for-tests-only'] },
  });
  provider.on('server_error', (_ctx, error) => console.error('test OP error', error));

  async function interact(
    op: Provider,
    req: Parameters<Provider['interactionDetails']>[0],
    res: Parameters<Provider['interactionDetails']>[1],
    account: string | null,
  ) {
    const details = await op.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      if (!account) throw new Error('the test must say which account signs in (?account=)');
      return op.interactionFinished(
        req,
        res,
        { login: { accountId: account } },
        { mergeWithLastSubmission: false },
      );
    }
    const grant = new op.Grant({
      accountId: details.session!.accountId,
      clientId: String(details.params.client_id),
    });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return op.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    accounts,
    clients,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A browser without a page: follows redirects from `url` with a cookie jar per host, adding
 * `account=` on the OP's interaction URLs, and stops at the first URL under `stopAt` (the app).
 */
export async function browse(url: string, account: string, stopAt: string): Promise<URL> {
  const jar = new Map<string, Map<string, string>>();
  let next = new URL(url);
  for (let hops = 0; hops < 20; hops++) {
    if (next.href.startsWith(stopAt)) return next;
    if (next.pathname.startsWith('/interaction/')) next.searchParams.set('account', account);
    const cookies = jar.get(next.host) ?? new Map<string, string>();
    jar.set(next.host, cookies);
    const res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw Object.assign(new Error(`stopped at ${next.href}: ${res.status} ${await res.text()}`), {
        status: res.status,
      });
    }
    next = new URL(location, next);
  }
  throw new Error('too many redirects');
}
