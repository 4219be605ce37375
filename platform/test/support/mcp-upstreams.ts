import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export type UpstreamKind = 'echo' | 'echo-sse' | 'slow' | 'crashy' | 'secret';

/** A tool name of exactly 60 characters: with any server slug of 4+ it exceeds 64 and is shortened. */
export const LONG_TOOL_NAME = 'a_tool_with_a_name_long_enough_to_need_shortening_at_gateway';

/** The header `secret` requires: the gateway injects secret API_KEY as `X-Mcp-Secret-API_KEY`. */
export const SECRET_HEADER = 'x-mcp-secret-api_key';

// Real upstream MCP servers for the gateway's tests and bench, each a child process running
// mcp-upstream-main.ts (the official SDK's McpServer): kill one, restart it on the same port, and
// the gateway must heal. One plain `node --import tsx` process each (not the tsx CLI, which would
// put a second process between the test and the server, and orphan it on SIGKILL).

export interface UpstreamState {
  kind: UpstreamKind;
  pid: number;
  listDelayMs: number;
  sessions: number;
  secretAccepted: number;
  secretRefused: number;
  cancelled: string[];
  added: string[];
}

export interface UpstreamOptions {
  /** A fixed port (default: any free one; a restart keeps the port either way). */
  port?: number;
  /** `tools/list`, `resources/list` and `prompts/list` wait this long; -1 = never answer. */
  listDelayMs?: number;
  /** The value `secret` requires in `X-Mcp-Secret-API_KEY`. */
  secret?: string;
  /** More environment for the child (e.g. to pin it with a different NODE_OPTIONS). */
  env?: Record<string, string>;
  /** Runs the child under `taskset -c <cpus>` (the bench pins processes). */
  cpus?: string;
}

export interface Upstream {
  kind: UpstreamKind;
  /** The MCP endpoint: `/mcp` (Streamable HTTP), or `/sse` for `echo-sse`. */
  url: string;
  port: number;
  pid(): number;
  /** What the upstream saw since it (re)started. */
  state(): Promise<UpstreamState>;
  setListDelay(ms: number): Promise<void>;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (an upstream that dies), then wait for the exit. */
  kill(): Promise<void>;
  /** Stops it if it still runs and starts a new process on the same port (no sessions survive). */
  restart(): Promise<void>;
  /** Resolves when the process exits on its own (e.g. `crashy`'s `crash`). */
  exited(): Promise<void>;
}

const main = join(import.meta.dirname, 'mcp-upstream-main.ts');
const tsx = createRequire(import.meta.url).resolve('tsx');

interface Running {
  child: ChildProcess;
  port: number;
  exit: Promise<void>;
}

async function launch(kind: UpstreamKind, port: number, options: UpstreamOptions): Promise<Running> {
  const node = [process.execPath, '--import', tsx, main];
  const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...node] : node;
  const child = spawn(command!, args, {
    env: {
      ...process.env,
      MCP_KIND: kind,
      PORT: String(port),
      MCP_LIST_DELAY_MS: String(options.listDelayMs ?? 0),
      MCP_SECRET: options.secret ?? '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`upstream ${kind}: no port after 20 s:\n${out}`)),
      20_000,
    );
    const read = (d: Buffer) => {
      out += d;
      const match = /MCP_UPSTREAM_LISTENING (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', () => reject(new Error(`upstream ${kind} exited before listening:\n${out}`)));
  });
  return { child, port: listening, exit };
}

/** Starts an upstream of `kind` in its own process on 127.0.0.1. */
export async function startUpstream(kind: UpstreamKind, options: UpstreamOptions = {}): Promise<Upstream> {
  let running = await launch(kind, options.port ?? 0, options);
  const port = running.port;
  const base = `http://127.0.0.1:${port}`;
  const end = async (signal: NodeJS.Signals) => {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
    await running.exit;
  };
  return {
    kind,
    url: `${base}${kind === 'echo-sse' ? '/sse' : '/mcp'}`,
    port,
    pid: () => running.child.pid!,
    async state() {
      const res = await fetch(`${base}/_state`);
      return (await res.json()) as UpstreamState;
    },
    async setListDelay(ms) {
      await fetch(`${base}/_state`, { method: 'POST', body: JSON.stringify({ listDelayMs: ms }) });
      options.listDelayMs = ms; // a restart keeps it
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    async restart() {
      await end('SIGTERM');
      running = await launch(kind, port, options);
    },
    exited: () => running.exit,
  };
}

/** Starts several upstreams at once, by name. */
export async function startUpstreams<K extends string>(
  specs: Record<K, [UpstreamKind, UpstreamOptions?]>,
): Promise<Record<K, Upstream>> {
  const entries = await Promise.all(
    Object.entries<[UpstreamKind, UpstreamOptions?]>(specs).map(
      async ([name, [kind, options]]) => [name, await startUpstream(kind, options)] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<K, Upstream>;
}

/** Stops every upstream of `upstreams` that still runs. */
export async function stopUpstreams(upstreams: Record<string, Upstream> | undefined): Promise<void> {
  await Promise.all(Object.values(upstreams ?? {}).map((u) => u.stop()));
}
