import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The SSRF guard: URLs the platform fetches for a user (gateway upstreams, hosted code's outbound
 * `fetch`) may not reach the platform's own machine, its private network or a cloud's metadata
 * service, unless the operator allow-lists them (`AEROSTACK_GATEWAY_ALLOW_HOSTS`,
 * `AEROSTACK_HOSTING_ALLOW_HOSTS`).
 * Checked when a server is registered and again on every connection the pool opens, with the
 * addresses that connection actually uses (a name that resolved to a public address at
 * registration may resolve to 10.0.0.1 later: DNS rebinding), and on every redirect hop.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (injectable: tests answer with private ones). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** Why a URL or address is refused; the message is safe to show (it names no secret). */
export class UrlRefusedError extends Error {
  override name = 'UrlRefusedError';
  readonly code = 'gateway/url-refused';
}

/** Names of cloud metadata services that resolve to a metadata address inside the cloud. */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
]);

// First match names the reason, so the metadata addresses come before the ranges holding them.
const REFUSED: [reason: string, ranges: string[]][] = [
  [
    'a cloud metadata address',
    ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', 'fd00:ec2::254/128'],
  ],
  ['a loopback address', ['127.0.0.0/8', '::1/128']],
  ['an unspecified address', ['0.0.0.0/8', '::/128']],
  ['a link-local address', ['169.254.0.0/16', 'fe80::/10']],
  ['a private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10']],
  ['a shared (CGNAT) address', ['100.64.0.0/10']],
  [
    'a reserved or multicast address',
    ['192.0.0.0/24', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4', 'ff00::/8'],
  ],
];

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

const refusedRanges = REFUSED.map(([reason, ranges]) => ({ reason, list: blockListOf(ranges) }));

/** The 8 groups of an IPv6 address as numbers (a dotted IPv4 tail counts as two). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The IPv4 address an IPv6 address carries: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
 * (`::a.b.c.d`, deprecated but still routed by some stacks) and NAT64 (`64:ff9b::a.b.c.d`) reach
 * that IPv4 host, so they are judged as it.
 */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && g[5] === 0xffff;
  const compatible = zeros(6) && (g[6] ?? 0) !== 0;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return null;
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** Why `address` may not be an upstream, or null when it is a public address. */
export function refusedReason(address: string): string | null {
  const family = isIP(address);
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== null) return refusedReason(v4);
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return refusedRanges.find((r) => r.list.check(address, type))?.reason ?? null;
}

/** A URL's host as the guard compares it: lower case, no IPv6 brackets, no trailing dot. */
export function hostOf(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

export interface SsrfGuard {
  /** Checks scheme, host name and every address the host resolves to; throws UrlRefusedError. */
  checkUrl(url: URL): Promise<void>;
  /** What can be checked without DNS: the scheme, an address literal, a metadata host name. */
  checkStatic(url: URL): void;
  /** A `lookup` for `net.connect` that connects only to the addresses the guard accepts. */
  lookup: LookupFunction;
}

export function createSsrfGuard({
  allowHosts,
  resolve = systemResolver,
  setting = 'AEROSTACK_GATEWAY_ALLOW_HOSTS',
}: {
  allowHosts: readonly string[];
  resolve?: Resolver;
  /** The setting that holds `allowHosts`, named in refusals so the operator knows what to change. */
  setting?: string;
}): SsrfGuard {
  const allowedNames = new Set(allowHosts.filter((entry) => !entry.includes('/') && isIP(entry) === 0));
  const allowedAddresses = blockListOf(
    allowHosts.filter((entry) => entry.includes('/') || isIP(entry) !== 0),
  );

  const addressAllowed = (address: string) => {
    const v6 = isIP(address) === 6;
    if (allowedAddresses.check(address, v6 ? 'ipv6' : 'ipv4')) return true;
    const v4 = v6 ? embeddedIpv4(address) : null;
    return v4 !== null && allowedAddresses.check(v4, 'ipv4');
  };

  /** Throws unless `address` (which `host` resolved to) is public or allow-listed. */
  function checkAddress(host: string, address: string): void {
    if (addressAllowed(address)) return;
    const reason = refusedReason(address);
    if (reason === null) return;
    const via = host === address ? '' : ` (${host} resolves to ${address})`;
    throw new UrlRefusedError(
      `The upstream host is ${reason}${via}. The operator can allow it with ${setting}.`,
    );
  }

  function checkStatic(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UrlRefusedError(`Only http and https upstream URLs are allowed, not ${url.protocol}.`);
    const host = hostOf(url);
    if (allowedNames.has(host)) return;
    if (METADATA_HOSTS.has(host))
      throw new UrlRefusedError(
        `${host} is a cloud metadata service. The operator can allow it with ${setting}.`,
      );
    if (isIP(host) !== 0) checkAddress(host, host);
  }

  async function resolveChecked(host: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolve(host);
    } catch {
      throw new UrlRefusedError(`The upstream host ${host} does not resolve.`);
    }
    if (addresses.length === 0) throw new UrlRefusedError(`The upstream host ${host} does not resolve.`);
    if (!allowedNames.has(host)) for (const a of addresses) checkAddress(host, a.address);
    return addresses;
  }

  return {
    checkStatic,

    async checkUrl(url) {
      checkStatic(url);
      const host = hostOf(url);
      if (isIP(host) === 0 && !allowedNames.has(host)) await resolveChecked(host);
    },

    lookup(hostname, options, callback) {
      const host = hostname.replace(/\.$/, '').toLowerCase();
      resolveChecked(host).then(
        (addresses) => {
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = wanted === 0 ? addresses : addresses.filter((a) => a.family === wanted);
          const first = usable[0];
          if (!first) {
            callback(new UrlRefusedError(`The upstream host ${host} has no IPv${wanted} address.`), '', 0);
          } else if (options.all) {
            (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, usable);
          } else {
            callback(null, first.address, first.family);
          }
        },
        (error: Error) => callback(error, '', 0),
      );
    },
  };
}
