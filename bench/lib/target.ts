import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import ts from 'typescript';

/** A server under test, running as its own process tree. */
export interface Target {
  name: 'platform' | 'baseline' | 'versus';
  url: string;
  pid: number;
  /** `Bearer sk_…` for the cache routes. */
  auth: string;
  startupMs: number;
  /** Bytes the process has written to stdout/stderr (the request log, at LOG_LEVEL=info). */
  logBytes(): number;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

async function waitReady(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = readFileSync(logFile, 'utf8').slice(-2000);
  throw new Error(`${url} did not become ready (exit ${child.exitCode ?? child.signalCode})\n${log}`);
}

async function launch(
  name: Target['name'],
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; dir: string; auth: () => string },
): Promise<Target> {
  mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const logFile = join(options.dir, `${name}.log`);
  const log = openSync(logFile, 'w');
  const started = performance.now();
  const [command, ...args] = argv;
  // Its own process group, so stopping it signals the whole tree, as Ctrl-C in a terminal does.
  const child = spawn(command!, args, {
    detached: true,
    cwd: options.cwd,
    env: { ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const pid = child.pid!;
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, logFile);
  } catch (error) {
    group('SIGKILL');
    throw error;
  }
  const startupMs = performance.now() - started;
  return {
    name,
    url,
    pid,
    auth: options.auth(),
    startupMs,
    logBytes: () => statSync(logFile).size,
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      group('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      group('SIGKILL');
    },
  };
}

/** The platform of `root`, started with the shell command `cmd` as a user would, on a fresh data dir. */
export function startPlatform(
  root: string,
  cmd: string,
  dir: string,
  logLevel: string,
  name: 'platform' | 'versus' = 'platform',
): Promise<Target> {
  const dataDir = join(dir, `${name}-data`);
  // `exec` for a plain command, so no shell stays resident that a user typing it would not have.
  const simple = !/[;&|()<>`$\n]/.test(cmd);
  return launch(name, ['sh', '-c', simple ? `exec ${cmd}` : cmd], {
    cwd: root,
    dir,
    env: {
      ...process.env,
      // What `pnpm start` would put first on PATH, so `tsx …` resolves to the checkout's own.
      PATH: [join(root, 'node_modules/.bin'), process.env.PATH].join(delimiter),
      AEROSTACK_DATA_DIR: dataDir,
      LOG_LEVEL: logLevel,
    },
    auth: () => {
      const keys = JSON.parse(readFileSync(join(dataDir, 'keys.json'), 'utf8')) as { secretKey: string };
      return `Bearer ${keys.secretKey}`;
    },
  });
}

/** The better-sqlite3 the platform of `root` loads (see platform/src/db/database.ts). */
export function sqliteModule(root: string): string {
  const require = createRequire(join(root, 'platform/package.json'));
  const name = Number(process.versions.node.split('.')[0]) >= 22 ? 'better-sqlite3' : 'better-sqlite3-node20';
  try {
    return require.resolve(name);
  } catch {
    return require.resolve('better-sqlite3');
  }
}

/** bench/baseline/server.ts, transpiled and run with plain `node` (no loader resident). */
export function startBaseline(root: string, dir: string): Promise<Target> {
  const source = readFileSync(join(import.meta.dirname, '../baseline/server.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'baseline-server.mjs');
  writeFileSync(file, outputText);
  const dataDir = join(dir, 'baseline-data');
  mkdirSync(dataDir, { recursive: true });
  const secretKey = `sk_${randomBytes(30).toString('base64url').replace(/[-_]/g, 'x').slice(0, 40)}`;
  return launch('baseline', [process.execPath, file], {
    cwd: dir,
    dir,
    env: {
      ...process.env,
      BENCH_DATA_DIR: dataDir,
      BENCH_SECRET_KEY: secretKey,
      BENCH_SQLITE_MODULE: sqliteModule(root),
    },
    auth: () => `Bearer ${secretKey}`,
  });
}
