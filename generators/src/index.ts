// `pnpm generate`: renders the Go, Python and Dart clients from spec/openapi.json into clients/.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFiles } from './files.js';
import { generateAll, LANGUAGES } from './generate.js';
import { loadSpec } from './spec.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = generateAll(loadSpec(join(root, 'spec', 'openapi.json')));
writeFiles(join(root, 'clients'), files, [...LANGUAGES]);
console.log(`generated ${files.length} files in clients/ (${LANGUAGES.join(', ')})`);
