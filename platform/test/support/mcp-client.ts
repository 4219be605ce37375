import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * The official MCP client over Streamable HTTP, as a user connects it to a hosted server or a
 * workspace's gateway endpoint; a suite closes every client it connected in its `afterAll`.
 */
export function mcpClients(name: string) {
  const clients: Client[] = [];
  return {
    /** A connected client (initialize done) for `url`, sending `headers` on every request. */
    async connect(url: URL, headers: Record<string, string> = {}): Promise<Client> {
      const client = new Client({ name, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
      clients.push(client);
      return client;
    },
    closeAll: () => Promise.all(clients.map((client) => client.close())),
  };
}
