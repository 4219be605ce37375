// The floor a Node gateway stands on, for bench/gateway/run.ts: the least a Node HTTP proxy can do
// for one tools/call. It takes the POST, parses it, sends it on one kept-alive connection to the
// upstream session given, reads the answer (JSON, or the SDK's one SSE event), parses it and
// answers it as JSON. There is no authentication, rate limit, routing, result check, analytics,
// cancellation or logging. Measured in the same rounds as the gateway, it splits the gateway's
// CPU per call into what Node's HTTP costs on this machine and what the gateway adds on top.
//
//   node --import tsx bench/gateway/floor-proxy.ts <upstream url> <mcp-session-id>
// prints `FLOOR_LISTENING <port>` once it listens on 127.0.0.1.
import { Agent, createServer, request } from 'node:http';

const [target, session] = process.argv.slice(2);
if (!target || !session) throw new Error('usage: floor-proxy.ts <upstream url> <mcp-session-id>');
const upstream = new URL(target);
const agent = new Agent({ keepAlive: true });
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': session,
  'mcp-protocol-version': '2025-06-18',
};

function forward(body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const out = request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: upstream.pathname,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const sse = answer.headers['content-type']?.startsWith('text/event-stream');
          resolve(sse ? (/^data: (.*)$/m.exec(text)?.[1] ?? '') : text);
        });
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { params?: { name?: string } };
    // The gateway's name (`echo__echo`) as the upstream knows it, as the gateway would send it.
    if (message.params?.name) message.params.name = message.params.name.replace(/^[^_]+__/, '');
    forward(JSON.stringify(message)).then(
      (answer) => {
        JSON.parse(answer);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(answer),
        });
        res.end(answer);
      },
      (error: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(error.message);
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) console.log(`FLOOR_LISTENING ${address.port}`);
});
