import type { Incoming } from '../incoming.js';
import { ApiError } from '../problem.js';
import type { SpecOperation } from '../spec.js';

// Parameters as the spec declares them: a query parameter whose schema is an array collects every
// occurrence (`?tag=a&tag=b`); any other parameter given twice is an error, not a silent pick.

export interface ParamReader {
  query(req: Incoming): Record<string, unknown>;
  headers(req: Incoming): Record<string, unknown>;
}

export function paramReader(op: SpecOperation): ParamReader {
  const arrays = new Set(
    op.parameters.filter((p) => p.in === 'query' && p.schema.type === 'array').map((p) => p.name),
  );
  const headerNames = op.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());

  return {
    query(req) {
      // Most requests carry no query string: skip parsing altogether.
      if (req.search === '') return {};
      const queries = new Map<string, string[]>();
      for (const [name, value] of new URLSearchParams(req.search)) {
        const values = queries.get(name);
        if (values) values.push(value);
        else queries.set(name, [value]);
      }
      const out: Record<string, unknown> = {};
      for (const [name, values] of queries) {
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
    headers(req) {
      const out: Record<string, unknown> = {};
      for (const name of headerNames) {
        const value = req.header(name);
        if (value !== undefined) out[name] = value;
      }
      return out;
    },
  };
}
