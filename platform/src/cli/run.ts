import cluster from 'node:cluster';
import { join } from 'node:path';
import { type BootstrapKeys, KEYS_FILE } from '../bootstrap.js';
import { forkWorkers } from '../cluster/fork.js';
import { startPrimaryHub } from '../cluster/index.js';
import { connectToPrimary } from '../cluster/link.js';
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { Module } from '../modules/module.js';
import { createPlatform } from '../platform.js';
import { listen, urlOf } from '../server.js';
import { rotateVault } from './vault.js';

// What `node platform/dist/main.js` runs: boot on the environment's configuration, print where
// everything is, and shut down gracefully on SIGINT / SIGTERM. With AEROSTACK_WORKERS > 1 this
// process migrates, bootstraps and prints, then forks that many workers sharing the port and the
// stores (decision 0023).

function banner(
  config: Config,
  url: string,
  keys: BootstrapKeys | null,
  stale: string[],
  firstStart: boolean,
) {
  const lines = [
    '',
    '  Aerostack platform is running.',
    '',
    `  API URL        ${url}`,
    `  API reference  ${url}/docs`,
    `  OpenAPI        ${url}/openapi.json`,
    `  Database       ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`,
    `  Cache          ${config.redisUrl ? 'Redis' : 'metadata database'}`,
    `  Processes      ${config.workers === 1 ? '1' : `${config.workers} workers`}`,
    '',
  ];
  if (!keys) {
    lines.push(`  No ${KEYS_FILE} in ${config.dataDir}: keys were created on an earlier start.`, '');
    return lines.join('\n');
  }
  const show = (label: string, name: keyof BootstrapKeys) =>
    `  ${label.padEnd(17)}${stale.includes(name) ? `(rotated since first start; ${KEYS_FILE} holds the old one)` : keys[name]}`;
  lines.push(
    show('Account key', 'accountKey'),
    `  Project          ${keys.projectId}`,
    show('Secret key', 'secretKey'),
    show('Publishable key', 'publishableKey'),
    '',
    `  ${firstStart ? 'Created on first start; saved' : 'Saved'} in ${join(config.dataDir, KEYS_FILE)}.`,
  );
  if (!stale.includes('secretKey')) {
    lines.push(
      '  Try:',
      `    curl -X PUT ${url}/v1/cache/hello -H "Authorization: Bearer ${keys.secretKey}" \\`,
      `      -H "Content-Type: application/json" -d '{"value":"world","ttlSeconds":60}'`,
      `    curl ${url}/v1/cache/hello -H "Authorization: Bearer ${keys.secretKey}"`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

function onSignals(stop: (signal: string) => void) {
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function single(config: Config, modules: RunOptions['modules']) {
  const server = await listen(config, modules ? { modules } : {});
  const { keys, staleKeys, firstStart } = server.platform;
  console.log(banner(config, server.url, keys, staleKeys, firstStart));
  let stopping = false;
  onSignals((signal) => {
    if (stopping) return;
    stopping = true;
    server.platform.services.logger.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

async function primary(config: Config, modules: RunOptions['modules']) {
  // Migrate and bootstrap once, here, so workers start on a prepared database.
  const prepared = await createPlatform(config, modules ? { modules } : {});
  const { keys, staleKeys, firstStart } = prepared;
  await prepared.close();
  const hub = startPrimaryHub();
  // The banner waits for every worker: the URL it prints then reaches all of them.
  const listening = new Promise<number>((resolve) => {
    let count = 0;
    const onListening = (_worker: unknown, address: { port: number }) => {
      if (++count < config.workers) return;
      cluster.off('listening', onListening);
      resolve(address.port);
    };
    cluster.on('listening', onListening);
  });
  forkWorkers({
    count: config.workers,
    env: { AEROSTACK_PREPARED: '1' },
    onError: (msg, fields) => console.error(`aerostack: ${msg}`, fields),
    exit: (code) => {
      hub.close().finally(() => process.exit(code));
    },
  });
  console.log(banner(config, urlOf(config.host, await listening), keys, staleKeys, firstStart));
}

async function worker(config: Config, modules: RunOptions['modules']) {
  const slot = Number(process.env.AEROSTACK_WORKER ?? '0');
  const link = connectToPrimary();
  const server = await listen(config, {
    worker: { id: slot + 1, link },
    prepared: true,
    ...(modules ? { modules } : {}),
  });
  let stopping = false;
  onSignals(() => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

export interface RunOptions {
  /** The modules to serve; the registry by default (test fixtures add theirs). */
  modules?: readonly Module[];
}

/** Runs the platform as a command: one process, or a primary and its workers. */
export async function run(options: RunOptions = {}): Promise<void> {
  // Everything the platform writes (database, keys, uploads) is private to its user.
  process.umask(0o077);
  try {
    await start(options.modules);
  } catch (error) {
    console.error('aerostack: failed to start:', error);
    process.exit(1);
  }
}

async function start(modules: RunOptions['modules']): Promise<void> {
  const command = process.argv.slice(2).join(' ');
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`aerostack: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  if (command === 'vault rotate') {
    const { version, rewrapped, retired } = await rotateVault(config);
    console.log(
      `Re-wrapped ${rewrapped} data key(s) under master key version ${version}.` +
        (retired.length > 0 ? ` Retired version(s) ${retired.join(', ')} from the key file.` : ''),
    );
    return;
  }
  if (command !== '') {
    console.error(`aerostack: unknown command "${command}" (commands: vault rotate)`);
    process.exit(2);
  }
  if (cluster.isWorker) await worker(config, modules);
  else if (config.workers > 1) await primary(config, modules);
  else await single(config, modules);
}
