import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  /** Requests received so far, as "METHOD /path". */
  hits: string[];
  close(): Promise<void>;
}

/** A real HTTP server on a random port; `handle` gets each request and its 1-based number. */
export async function startLocalServer(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<LocalServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handle(req, res, hits.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(status, { 'Content-Type': type, 'X-Request-Id': 'req_local', ...headers });
  res.end(JSON.stringify(body));
}

export function unavailable(res: ServerResponse, retryAfter: string) {
  sendJson(
    res,
    503,
    {
      type: 'about:blank',
      title: 'Unavailable',
      status: 503,
      code: 'internal/unexpected',
      requestId: 'req_local',
    },
    { 'Retry-After': retryAfter },
  );
}
