import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Config } from './config.js';
import { createPlatform, type Platform } from './platform.js';

/** A platform listening on a port. */
export interface Server {
  platform: Platform;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish (up to `graceMs`), then closes the stores. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(config: Config): Promise<Server> {
  const platform = await createPlatform(config);
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const server = serve(
        { fetch: platform.app.fetch, port: config.port, hostname: config.host },
        (info: AddressInfo) => resolve({ server, port: info.port }),
      );
      server.once('error', reject);
    },
  );
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  return {
    platform,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    async close(graceMs = 10_000) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        }, graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await platform.close();
    },
  };
}
