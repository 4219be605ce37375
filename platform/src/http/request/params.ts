import type { Context } from 'hono';
import { ApiError } from '../problem.js';
import type { SpecOperation } from '../spec.js';
import { header } from './header.js';

// Parameters as the spec declares them: a query parameter whose schema is an array collects every
// occurrence (`?tag=a&tag=b`); any other parameter given twice is an error, not a silent pick.

export interface ParamReader {
  query(c: Context): Record<string, unknown>;
  headers(c: Context): Record<string, unknown>;
}

export function paramReader(op: SpecOperation): ParamReader {
  const arrays = new Set(
    op.parameters.filter((p) => p.in === 'query' && p.schema.type === 'array').map((p) => p.name),
  );
  const headerNames = op.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
  const hasQuery = op.parameters.some((p) => p.in === 'query');

  return {
    query(c) {
      const url = c.req.url;
      // Most requests carry no query string: skip parsing altogether.
      if (!hasQuery && !url.includes('?')) return {};
      const out: Record<string, unknown> = {};
      for (const [name, values] of Object.entries(c.req.queries())) {
        if (arrays.has(name)) out[name] = values;
        else if (values.length === 1) out[name] = values[0];
        else {
          throw new ApiError(
            'request/invalid-parameters',
            `The query parameter ${name} is given more than once.`,
            {
              errors: [{ location: `query/${name}`, message: 'is given more than once' }],
            },
          );
        }
      }
      return out;
    },
    headers(c) {
      const out: Record<string, unknown> = {};
      for (const name of headerNames) {
        const value = header(c, name);
        if (value !== undefined) out[name] = value;
      }
      return out;
    },
  };
}
