import { join } from 'node:path';
import { KEYS_FILE } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { listen } from './server.js';

// `pnpm start`: boot on the environment's configuration, print where everything is, and shut
// down gracefully on SIGINT / SIGTERM.

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`aerostack: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const server = await listen(config);
  const { keys, firstStart } = server.platform;
  const lines = [
    '',
    '  Aerostack platform is running.',
    '',
    `  API URL        ${server.url}`,
    `  API reference  ${server.url}/docs`,
    `  OpenAPI        ${server.url}/openapi.json`,
    `  Database       ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`,
    `  Cache          ${config.redisUrl ? 'Redis' : 'metadata database'}`,
    '',
  ];
  if (keys) {
    lines.push(
      `  Account key      ${keys.accountKey}`,
      `  Project          ${keys.projectId}`,
      `  Secret key       ${keys.secretKey}`,
      `  Publishable key  ${keys.publishableKey}`,
      '',
      `  ${firstStart ? 'Created on first start; saved' : 'Saved'} in ${join(config.dataDir, KEYS_FILE)}.`,
      '  Try:',
      `    curl -X PUT ${server.url}/v1/cache/hello -H "Authorization: Bearer ${keys.secretKey}" \\`,
      `      -H "Content-Type: application/json" -d '{"value":"world","ttlSeconds":60}'`,
      `    curl ${server.url}/v1/cache/hello -H "Authorization: Bearer ${keys.secretKey}"`,
      '',
    );
  } else {
    lines.push(`  No ${KEYS_FILE} in ${config.dataDir}: keys were created on an earlier start.`, '');
  }
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.platform.services.logger.info('shutting down', { signal });
    server
      .close()
      .then(() => process.exit(0))
      .catch((error) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  console.error('aerostack: failed to start:', error);
  process.exit(1);
});
