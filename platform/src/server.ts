import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { answerClientError } from './http/client-error.js';
import { collectWhenIdle } from './lib/idle-gc.js';
import { createPlatform, type Platform, type PlatformOptions } from './platform.js';

/** A platform listening on a port. */
export interface Server {
  platform: Platform;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes the stores. */
  close(graceMs?: number): Promise<void>;
}

/** The URL to show for `host:port` (a wildcard address is shown as localhost). */
export function urlOf(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

export async function listen(config: Config, options: PlatformOptions = {}): Promise<Server> {
  const platform = await createPlatform(config, options);
  const idle = collectWhenIdle();
  const { server, port } = await new Promise<{ server: HttpServer; port: number }>((resolve, reject) => {
    const { app } = platform;
    const server = createServer((req, res) => {
      idle.touch();
      app.handle(req, res);
    });
    server.once('error', reject);
    server.on('clientError', answerClientError);
    server.listen(config.port, config.host, () =>
      resolve({ server, port: (server.address() as AddressInfo).port }),
    );
  }).catch(async (error) => {
    await platform.close();
    throw error;
  });
  // A public URL derived from PORT=0 names a port nobody can reach: the bound port replaces it
  // (services read config.publicUrl when they need it: token issuers, links, signed URLs).
  const publicUrl = new URL(config.publicUrl);
  if (publicUrl.port === '0') {
    publicUrl.port = String(port);
    config.publicUrl = publicUrl.href.replace(/\/+$/, '');
  }
  return {
    platform,
    url: urlOf(config.host, port),
    async close(graceMs = 10_000) {
      // Event streams never finish on their own: they end now (their clients reconnect), so the
      // connections they held become idle and close below, instead of at the end of the grace.
      platform.app.streams.endAll();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      idle.stop();
      await platform.close();
    },
  };
}
