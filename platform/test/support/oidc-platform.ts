import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startPlatform } from '../../src/index.js';
import { browse, startTestOp } from './oidc.js';

// A platform with the test OpenID Connect provider `test-op` configured, as its own process
// (`tsx test/support/oidc-platform.ts <redirect URL>`), for suites whose environment is not Node's
// (jsdom swaps the globals openid-client checks). Prints `{ url, publishableKey, secretKey }` as one
// JSON line, then for each line `{ authUrl, account, claims }` on stdin signs that account in
// through the browser-less `browse` and prints `{ landing }`. Ends when stdin closes.

// stdout carries the answers: the provider's notices go to stderr.
console.log = console.info = console.error;

const app = process.argv[2] ?? 'http://app.test/callback';
const probe = createServer();
await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
const { port } = probe.address() as { port: number };
await new Promise((resolve) => probe.close(resolve));

const op = await startTestOp(`http://127.0.0.1:${port}/v1/auth/oidc/callback`);
const dataDir = await mkdtemp(join(tmpdir(), 'aerostack-oidc-platform-'));
const platform = await startPlatform({
  dataDir,
  port,
  env: { AEROSTACK_AUTH_SCRYPT: '1024:8:1', PORT: String(port), AEROSTACK_AUTH_OIDC_ALLOW_HTTP: '1' },
});
const admin = (path: string, body: unknown) =>
  fetch(`${platform.url}${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${platform.secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  }).then((res) => {
    if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  });
await admin('/v1/auth/settings', { redirectUrls: [app] });
await admin('/v1/auth/providers/test-op', {
  issuer: op.issuer,
  clientId: op.clients[0]!.id,
  clientSecret: op.clients[0]!.secret,
});
process.stdout.write(
  `${JSON.stringify({ url: platform.url, publishableKey: platform.publishableKey, secretKey: platform.secretKey })}\n`,
);

for await (const line of createInterface({ input: process.stdin })) {
  const { authUrl, account, claims } = JSON.parse(line) as {
    authUrl: string;
    account: string;
    claims: { email?: string; email_verified?: boolean };
  };
  op.accounts.set(account, claims);
  const landing = await browse(authUrl, account, app).then(
    (url) => url.href,
    (error: unknown) => `error:${String(error)}`,
  );
  process.stdout.write(`${JSON.stringify({ landing })}\n`);
}
await platform.close();
await op.close();
await rm(dataDir, { recursive: true, force: true });
