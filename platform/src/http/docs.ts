import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { spec } from './spec.js';

// `/openapi.json` and an interactive reference at `/docs` (Scalar), served from the platform
// itself so the reference works offline and on a private network.

const require = createRequire(import.meta.url);
const scalarBundle = () =>
  readFileSync(join(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js'), 'utf8');

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${spec.info.title} — API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="/docs/scalar.js"></script>
  </body>
</html>
`;

/** Paths served outside the spec: the spec itself and its reference. */
export const DOCUMENTATION_PATHS = ['/openapi.json', '/docs', '/docs/scalar.js'] as const;

export function mountDocs(app: Hono): void {
  const json = JSON.stringify(spec);
  let bundle: string | undefined;
  app.get('/openapi.json', (c) => c.body(json, 200, { 'content-type': 'application/json' }));
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/scalar.js', (c) => {
    bundle ??= scalarBundle();
    return c.body(bundle, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    });
  });
}
