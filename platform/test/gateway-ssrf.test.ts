import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSsrfGuard,
  embeddedIpv4,
  type Resolver,
  refusedReason,
  UrlRefusedError,
} from '../src/lib/ssrf.js';
import { guardedFetch, MAX_REDIRECTS } from '../src/modules/gateway/fetch.js';

// The SSRF guard (decision 0037). No test sends traffic off the machine: private and metadata
// addresses come from an injected resolver and are refused before any connection; the real
// refusals are other loopback addresses (127.0.0.2, ::1); the one allowed upstream is 127.0.0.1.

/** A resolver answering from a table; a name not in it does not resolve. */
function resolverOf(table: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { asked });
}

describe('addresses', () => {
  const rows: [string, string | null][] = [
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.2', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['169.254.10.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['10.0.0.1', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['fc00::1', 'a private address'],
    ['fd12:3456::1', 'a private address'],
    ['100.64.0.1', 'a shared (CGNAT) address'],
    ['100.127.255.254', 'a shared (CGNAT) address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['224.0.0.1', 'a reserved or multicast address'],
    ['255.255.255.255', 'a reserved or multicast address'],
    ['ff02::1', 'a reserved or multicast address'],
    // IPv4 inside IPv6: mapped (both spellings), compatible and NAT64 reach the IPv4 host.
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['::ffff:a9fe:a9fe', 'a cloud metadata address'],
    ['::ffff:192.168.0.1', 'a private address'],
    ['::10.0.0.1', 'a private address'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address'],
    // Public addresses.
    ['8.8.8.8', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700::1111', null],
    ['::ffff:8.8.8.8', null],
  ];
  it.each(rows)('%s → %s', (address, reason) => {
    expect(refusedReason(address)).toBe(reason);
  });

  it('reads the IPv4 address inside IPv6 forms, and nothing from plain IPv6', () => {
    expect(embeddedIpv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIpv4('::ffff:102:304')).toBe('1.2.3.4');
    expect(embeddedIpv4('64:ff9b::102:304')).toBe('1.2.3.4');
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
    expect(embeddedIpv4('::1')).toBeNull();
  });
});

describe('URLs at registration', () => {
  const resolve = resolverOf({
    'internal.test': ['10.1.2.3'],
    'home.test': ['192.168.0.10'],
    'meta.test': ['169.254.169.254'],
    'meta6.test': ['fd00:ec2::254'],
    'mapped.test': ['::ffff:10.0.0.1'],
    'mixed.test': ['203.0.113.5', '10.0.0.7'],
    'cgnat.test': ['100.64.1.1'],
    'public.test': ['203.0.113.5', '2001:db8::5'],
    'allowed.test': ['10.9.9.9'],
  });
  const guard = createSsrfGuard({
    allowHosts: ['allowed.test', '192.168.0.10', '172.20.0.0/16', 'fd99::/16'],
    resolve,
  });

  const refused: [string, string][] = [
    ['http://internal.test/mcp', 'a private address (internal.test resolves to 10.1.2.3)'],
    ['http://meta.test/', 'a cloud metadata address'],
    ['http://meta6.test/', 'a cloud metadata address'],
    ['http://mapped.test/', 'a private address'],
    ['http://mixed.test/', 'resolves to 10.0.0.7'],
    ['http://cgnat.test/', 'CGNAT'],
    ['http://127.0.0.2:9/mcp', 'a loopback address'],
    ['http://[::1]:9/mcp', 'a loopback address'],
    ['http://[::ffff:169.254.169.254]/', 'a cloud metadata address'],
    ['http://2130706434/', 'a loopback address'], // 127.0.0.2 as one number
    ['http://0177.0.0.1/', 'a loopback address'], // octal
    ['http://metadata.google.internal/computeMetadata/v1/', 'cloud metadata service'],
    ['http://METADATA.google.internal./', 'cloud metadata service'],
    ['http://nowhere.test/', 'does not resolve'],
    ['ftp://public.test/', 'Only http and https'],
    ['gopher://public.test/', 'Only http and https'],
    ['file:///etc/passwd', 'Only http and https'],
  ];
  it.each(refused)('refuses %s', async (url, why) => {
    const error = await guard.checkUrl(new URL(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UrlRefusedError);
    expect((error as Error).message).toContain(why);
  });

  const allowed = [
    'https://public.test/mcp',
    'http://allowed.test/mcp', // by name, whatever it resolves to
    'http://192.168.0.10/mcp', // by address
    'http://home.test/mcp', // resolves to an allowed address
    'http://172.20.5.5/mcp', // inside an allowed CIDR
    'http://[fd99::5]/mcp', // inside an allowed IPv6 CIDR
    'http://[::ffff:192.168.0.10]/mcp', // the mapped form of an allowed address
    'http://203.0.113.9/mcp',
  ];
  it.each(allowed)('allows %s', async (url) => {
    await expect(guard.checkUrl(new URL(url))).resolves.toBeUndefined();
  });

  it('asks the resolver nothing for address literals and allow-listed names', async () => {
    const before = resolve.asked.length;
    await guard.checkUrl(new URL('http://allowed.test/'));
    await guard.checkUrl(new URL('http://203.0.113.9/'));
    await guard.checkUrl(new URL('http://127.0.0.2/')).catch(() => {});
    expect(resolve.asked.length).toBe(before);
  });

  it('refuses every allowed-looking neighbour of an allow-listed entry', async () => {
    for (const url of [
      'http://192.168.0.11/',
      'http://172.21.0.1/',
      'http://allowed.test.evil/',
      'http://sub.allowed.test/',
    ])
      await expect(guard.checkUrl(new URL(url)), url).rejects.toBeInstanceOf(UrlRefusedError);
  });
});

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  method: string;
}

/** A local HTTP server: `/to?u=<url>&s=<status>` redirects, anything else answers 200 with its path. */
async function redirector(): Promise<{ server: Server; port: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push({ path: url.pathname, headers: req.headers, method: req.method ?? '' });
    req.resume();
    if (url.pathname === '/to') {
      res.writeHead(Number(url.searchParams.get('s') ?? 307), { location: url.searchParams.get('u') ?? '/' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.method} ${url.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

describe('connections and redirects', () => {
  let local: Awaited<ReturnType<typeof redirector>>;
  let base: string;
  let rebinds = 0;
  const resolve = resolverOf({ 'local.test': ['127.0.0.1'], 'internal.test': ['10.0.0.5'] });
  // First public (registration passes), then private (the connection must not be made).
  const rebinding: Resolver = async (host) => {
    if (host !== 'rebind.test') return resolve(host);
    rebinds++;
    return [{ address: rebinds === 1 ? '203.0.113.5' : '10.0.0.5', family: 4 }];
  };
  const guard = createSsrfGuard({ allowHosts: ['127.0.0.1'], resolve: rebinding });
  const { fetch, close } = guardedFetch(guard);
  const refusal = async (url: string, init?: RequestInit) => {
    const error = await fetch(url, init).catch((e: unknown) => e);
    const refused = [error, (error as { cause?: unknown }).cause].find((e) => e instanceof UrlRefusedError);
    expect(refused, String(error)).toBeInstanceOf(UrlRefusedError);
    return (refused as Error).message;
  };
  const to = (url: string, status = 307) => `${base}/to?s=${status}&u=${encodeURIComponent(url)}`;

  beforeAll(async () => {
    local = await redirector();
    base = `http://127.0.0.1:${local.port}`;
  });
  afterAll(async () => {
    await close();
    await new Promise((resolve) => local.server.close(resolve));
  });

  it('reaches the allowed upstream, also through a name resolving to it', async () => {
    expect(await (await fetch(`${base}/a`)).text()).toBe('GET /a');
    expect(await (await fetch(`http://local.test:${local.port}/b`)).text()).toBe('GET /b');
  });

  it('refuses other loopback addresses without connecting', async () => {
    const hits = local.hits.length;
    expect(await refusal(`http://127.0.0.2:${local.port}/`)).toContain('loopback');
    expect(await refusal(`http://[::1]:${local.port}/`)).toContain('loopback');
    expect(local.hits.length).toBe(hits);
  });

  it('checks the addresses a connection uses, not only those seen at registration (DNS rebinding)', async () => {
    const url = new URL('http://rebind.test/mcp');
    await expect(guard.checkUrl(url)).resolves.toBeUndefined();
    expect(await refusal(url.href)).toContain('rebind.test resolves to 10.0.0.5');
  });

  const hops: [string, string, string][] = [
    ['another loopback address', 'http://127.0.0.2:9/x', 'loopback'],
    ['IPv6 loopback', 'http://[::1]:9/x', 'loopback'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['a name resolving to a private address', 'http://internal.test/x', 'private'],
    ['another scheme', 'file:///etc/passwd', 'Only http and https'],
  ];
  it.each(hops)('refuses a redirect to %s', async (_, target, why) => {
    expect(await refusal(to(target))).toContain(why);
    expect(await refusal(to(target, 302), { method: 'POST', body: '{}' })).toContain(why);
  });

  it('follows a few redirects, each checked, and no more', async () => {
    expect(await (await fetch(to(`${base}/end`))).text()).toBe('GET /end');
    let chain = `${base}/end`;
    for (let i = 0; i < MAX_REDIRECTS; i++) chain = to(chain);
    expect(await (await fetch(chain)).text()).toBe('GET /end');
    expect(await refusal(to(chain))).toContain(`more than ${MAX_REDIRECTS} times`);
  });

  it('keeps the method and body on 307/308, continues as GET after 303, 301/302 of a POST', async () => {
    const post = { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } };
    expect(await (await fetch(to(`${base}/p`, 307), post)).text()).toBe('POST /p');
    expect(await (await fetch(to(`${base}/p`, 308), post)).text()).toBe('POST /p');
    expect(await (await fetch(to(`${base}/p`, 303), post)).text()).toBe('GET /p');
    expect(await (await fetch(to(`${base}/p`, 302), post)).text()).toBe('GET /p');
  });

  it('drops the secret headers on a redirect to another origin, keeps them on the same one', async () => {
    const headers = { authorization: 'Bearer hush', 'x-mcp-secret-api_key': 'hush', 'x-other': 'kept' };
    await fetch(to(`${base}/same`), { headers });
    expect(local.hits.at(-1)).toMatchObject({
      path: '/same',
      headers: { authorization: 'Bearer hush', 'x-mcp-secret-api_key': 'hush' },
    });
    await fetch(to(`http://local.test:${local.port}/cross`), { headers });
    const cross = local.hits.at(-1) as Hit;
    expect(cross.path).toBe('/cross');
    expect(cross.headers.authorization).toBeUndefined();
    expect(cross.headers['x-mcp-secret-api_key']).toBeUndefined();
    expect(cross.headers['x-other']).toBe('kept');
  });
});
