// `pnpm generate`: renders the Go, Python and Dart clients from spec/openapi.json into clients/,
// and the fixture clients (generate.ts: FIXTURE_LANGUAGES) from the root spec and the
// platform's test-only fixture fragment.
import { join } from 'node:path';
import { writeFiles } from './files.js';
import { generateAll, LANGUAGES } from './generate.js';
import { loadFixturesSpec, loadSpec, REPO_ROOT } from './spec.js';

const files = generateAll(loadSpec(join(REPO_ROOT, 'spec', 'openapi.json')), loadFixturesSpec(REPO_ROOT));
writeFiles(join(REPO_ROOT, 'clients'), files, [...LANGUAGES]);
console.log(`generated ${files.length} files in clients/ (${LANGUAGES.join(', ')})`);
