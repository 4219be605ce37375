import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** What one request of a case looks like; `rotate` spreads writes over that many keys. */
export interface Endpoint {
  name: string;
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: string;
  authorized: boolean;
  rotate?: number;
}

/** One wrk run, as its done() hook reports it. */
export interface WrkResult {
  requests: number;
  durationUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

const SCRIPT = join(import.meta.dirname, 'wrk.lua');

/** The wrk version, or exit with how to install it. */
export function requireWrk(): string {
  // `wrk -v` prints its version, then its usage, and exits 1.
  const run = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const version = /^wrk (\S+)/m.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`)?.[1];
  if (version) return version;
  console.error(
    'pnpm bench needs wrk (https://github.com/wg/wrk) on PATH:\n' +
      '  Debian/Ubuntu: sudo apt-get install -y wrk\n' +
      '  macOS:         brew install wrk\n' +
      '  other:         git clone https://github.com/wg/wrk && make -C wrk && cp wrk/wrk ~/.local/bin/',
  );
  process.exit(2);
}

/** Drives `endpoint` at `url` for `durationS` over `connections` keep-alive connections. */
export function wrk(
  url: string,
  auth: string,
  endpoint: Endpoint,
  options: { connections: number; threads: number; durationS: number },
): Promise<WrkResult> {
  const threads = Math.min(options.threads, options.connections);
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${options.durationS}s`,
    '--timeout',
    '10s',
    '-s',
    SCRIPT,
    url + endpoint.path,
  ];
  const env = {
    ...process.env,
    BENCH_METHOD: endpoint.method,
    BENCH_BODY: endpoint.body ?? '',
    BENCH_AUTH: endpoint.authorized ? auth : '',
    BENCH_ROTATE: String(endpoint.rotate ?? 0),
  };
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (error || !line) return reject(new Error(`wrk ${args.join(' ')} failed: ${stderr || stdout}`));
      resolve(JSON.parse(line.slice('BENCH_JSON '.length)) as WrkResult);
    });
  });
}
