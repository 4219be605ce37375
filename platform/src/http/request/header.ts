import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * A request header by its lower-case name. Served by Node, it is read from Node's own parsed
 * headers: `c.req.header()` would first build a WHATWG `Headers` from every raw header (validating
 * each), a cost every request paid for a single lookup. Repeated headers are joined as `Headers` does.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
