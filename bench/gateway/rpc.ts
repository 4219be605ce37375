import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { WrkResult } from '../lib/wrk.js';

// JSON-RPC over Streamable HTTP for the gateway bench: one-off requests (setup, tools/list) with
// fetch, load with wrk and lib/wrk.lua (the MCP headers as `-H`, pinned with taskset).

/** Headers every MCP POST carries; `extra` adds the session id or the token. */
export const mcpHeaders = (extra: Record<string, string>): Record<string, string> => ({
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-protocol-version': '2025-06-18',
  ...extra,
});

/** The JSON-RPC message of a response, whether it came as JSON or as one SSE event. */
export async function rpcResult(res: Response): Promise<{ result?: unknown; error?: unknown }> {
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${text}`);
  const data = res.headers.get('content-type')?.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .at(-1)
    : text;
  return JSON.parse(data ?? 'null');
}

export async function post(url: string, headers: Record<string, string>, message: object): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: mcpHeaders(headers),
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
}

/** A stateful session on an upstream (initialize, then initialized): its `mcp-session-id`. */
export async function upstreamSession(url: string): Promise<string> {
  const init = await post(
    url,
    {},
    {
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'bench', version: '1' },
      },
    },
  );
  const session = init.headers.get('mcp-session-id');
  await rpcResult(init);
  if (!session) throw new Error(`${url}: no session id`);
  const done = await post(url, { 'mcp-session-id': session }, { method: 'notifications/initialized' });
  if (done.status !== 202) throw new Error(`${url}: initialized answered ${done.status}`);
  return session;
}

/** `message` POSTed to `url` over `connections` keep-alive connections for `durationS`. */
export function wrkRpc(
  url: string,
  headers: Record<string, string>,
  message: object,
  o: { connections: number; threads: number; durationS: number; cpus: string },
): Promise<WrkResult> {
  const flags = Object.entries(mcpHeaders(headers))
    .filter(([name]) => name !== 'content-type') // lib/wrk.lua sets it with the body
    .flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = ['-c', o.cpus, 'wrk', `-t${Math.min(o.threads, o.connections)}`, `-c${o.connections}`];
  args.push(
    `-d${o.durationS}s`,
    '--timeout',
    '10s',
    ...flags,
    '-s',
    join(import.meta.dirname, '../lib/wrk.lua'),
    url,
  );
  const env = {
    ...process.env,
    BENCH_METHOD: 'POST',
    BENCH_BODY: JSON.stringify({ jsonrpc: '2.0', ...message }),
    BENCH_AUTH: '',
  };
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { env, encoding: 'utf8' }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (error || !line) return reject(new Error(`wrk ${args.join(' ')} failed: ${stderr || stdout}`));
      resolve(JSON.parse(line.slice('BENCH_JSON '.length)) as WrkResult);
    });
  });
}
