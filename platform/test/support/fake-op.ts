import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * A minimal, deliberately lax OpenID Connect provider for the ID-token checks a real provider
 * never gets wrong: its authorization endpoint answers at once with a code, and its token
 * endpoint signs whatever ID token `claims(defaults)` makes of the right one (another audience,
 * issuer, nonce, an expired token…). Only openid-client stands between such a token and a session.
 */
export interface FakeOp {
  issuer: string;
  /** Changes the next ID tokens; the default keeps them right. */
  tamper: (claims: Record<string, unknown>) => Record<string, unknown>;
  close(): Promise<void>;
}

export async function startFakeOp(clientId: string): Promise<FakeOp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'fake', alg: 'RS256', use: 'sig' };
  const nonces = new Map<string, string>();
  let codes = 0;
  const op: FakeOp = { issuer: '', tamper: (claims) => claims, close: async () => {} };
  const json = (res: import('node:http').ServerResponse, body: unknown) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', op.issuer);
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(res, {
        issuer: op.issuer,
        authorization_endpoint: `${op.issuer}/authorize`,
        token_endpoint: `${op.issuer}/token`,
        jwks_uri: `${op.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(res, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      const code = `code-${++codes}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return res.writeHead(303, { location: back.href }).end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const code = new URLSearchParams(body).get('code') ?? '';
      const now = Math.floor(Date.now() / 1000);
      const claims = op.tamper({
        iss: op.issuer,
        aud: clientId,
        sub: 'fake-subject',
        nonce: nonces.get(code),
        iat: now,
        exp: now + 300,
        email: 'fake.subject@example.com',
        email_verified: true,
      });
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'fake' })
        .sign(privateKey);
      return json(res, {
        access_token: 'fake-access-token',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
      });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  op.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  op.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return op;
}
