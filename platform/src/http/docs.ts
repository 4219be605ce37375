import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Endpoint } from './endpoints.js';
import type { OpenApiDocument } from './spec.js';

// `/openapi.json` and an interactive reference at `/docs` (Scalar), served from the platform
// itself so the reference works offline and on a private network. The Scalar bundle (~3 MB) is
// read on first request, not at boot.

const require = createRequire(import.meta.url);
// Kept as bytes: as a string, its non-Latin-1 characters would double its size and be re-encoded on
// every response.
const scalarBundle = () =>
  readFileSync(join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js'));

const DECISION = 'docs/decisions/0012-endpoints-outside-the-spec.md';

/** The documentation endpoints: the spec itself and its reference. */
export function docsEndpoints(document: OpenApiDocument): Endpoint[] {
  let json: string | undefined;
  let bundle: Buffer | undefined;
  const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${document.info.title} — API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="/docs/scalar.js"></script>
  </body>
</html>
`;
  return [
    {
      method: 'GET',
      path: '/openapi.json',
      description: 'The OpenAPI document the platform serves (bundled from every module).',
      errors: 'problem+json',
      decision: DECISION,
      handle: ({ baseHeaders }) => {
        json ??= JSON.stringify(document);
        return new Response(json, { headers: { ...baseHeaders, 'content-type': 'application/json' } });
      },
    },
    {
      method: 'GET',
      path: '/docs',
      description: 'The interactive API reference (Scalar), served offline.',
      errors: 'problem+json',
      decision: DECISION,
      handle: ({ baseHeaders }) =>
        new Response(page, { headers: { ...baseHeaders, 'content-type': 'text/html; charset=UTF-8' } }),
    },
    {
      method: 'GET',
      path: '/docs/scalar.js',
      description: 'The API reference script.',
      errors: 'problem+json',
      decision: DECISION,
      handle: ({ baseHeaders }) => {
        bundle ??= scalarBundle();
        return new Response(new Uint8Array(bundle), {
          headers: {
            ...baseHeaders,
            'content-type': 'text/javascript; charset=utf-8',
            'cache-control': 'public, max-age=3600',
          },
        });
      },
    },
  ];
}
