#!/usr/bin/env node
// `pnpm new-module <name>`: copies platform/templates/module/ to platform/src/modules/<name>/ with
// its placeholders filled in, and adds the module's one line to platform/src/modules/registry.ts.
// Nothing else is touched (platform/test/scaffold.test.ts checks it). See docs/modules.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: pnpm new-module <name> [--item <singular>] [--prefix <id prefix>] [--root <repo>]

  <name>     the module and its resource, plural, lower-case words joined by hyphens: widgets, line-items
  --item     the singular of <name> (default: <name> without its plural ending: line-items → line-item)
  --prefix   the id prefix of the resource, 2 to 5 lower-case letters (default: the item's first three)
  --root     the repository to scaffold in (default: this one)`;

function fail(message) {
  console.error(`new-module: ${message}`);
  process.exit(1);
}

/** Naive English singular of the last word; --item overrides it. */
function singularOf(name) {
  if (/[^aeiou]ies$/.test(name)) return name.replace(/ies$/, 'y');
  if (/(ss|x|sh|ch)es$/.test(name)) return name.replace(/es$/, '');
  if (/[^s]s$/.test(name)) return name.slice(0, -1);
  return name;
}

const words = (kebab) => kebab.split('-');
const capital = (word) => word[0].toUpperCase() + word.slice(1);
const camel = (kebab) =>
  words(kebab)
    .map((w, i) => (i === 0 ? w : capital(w)))
    .join('');
const pascal = (kebab) => words(kebab).map(capital).join('');

/** `20261123164509`: UTC, so two contributors' migrations sort by when they were written. */
function timestamp(date = new Date()) {
  return date.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** Id prefixes already in use: the core's (lib/ids.ts), other modules' ID_PREFIX, credential prefixes. */
function prefixesInUse(root) {
  const used = new Set(['ak', 'sk', 'pk', 'mwt', 'tst']);
  const ids = join(root, 'platform/src/lib/ids.ts');
  if (existsSync(ids)) {
    const union = readFileSync(ids, 'utf8').match(/type IdPrefix =([^;]*);/);
    for (const m of union?.[1].matchAll(/'(\w+)'/g) ?? []) used.add(m[1]);
  }
  const modulesDir = join(root, 'platform/src/modules');
  for (const entry of readdirSync(modulesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(join(modulesDir, entry.name))) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(join(modulesDir, entry.name, file), 'utf8');
      for (const m of text.matchAll(/const ID_PREFIX = '(\w+)'/g)) used.add(m[1]);
    }
  }
  return used;
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), base) : [relative(base, join(dir, entry.name))],
  );
}

let values;
let positionals;
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      item: { type: 'string' },
      prefix: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  fail(`${error.message}\n\n${USAGE}`);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) fail(`expected one module name\n\n${USAGE}`);

const name = positionals[0];
const KEBAB = /^[a-z]+(-[a-z]+)*$/;
// Letters only: operationIds (`lineItems.list`) must match the conventions test's /^[a-z][a-zA-Z]*(\.…)+$/.
if (!KEBAB.test(name)) fail(`"${name}" is not lower-case words (a-z) joined by single hyphens`);
const item = values.item ?? singularOf(name);
if (!KEBAB.test(item)) fail(`--item "${item}" is not lower-case words (a-z) joined by single hyphens`);

// `pnpm new-module` runs in the repository root; a relative --root means where the user typed it.
const root = values.root ? resolve(process.env.INIT_CWD ?? process.cwd(), values.root) : here;
const templateDir = join(root, 'platform/templates/module');
const modulesDir = join(root, 'platform/src/modules');
const target = join(modulesDir, name);
const registryFile = join(modulesDir, 'registry.ts');
if (!existsSync(templateDir)) fail(`no template at ${templateDir}`);
if (existsSync(target)) fail(`${relative(root, target)} already exists`);
const registry = readFileSync(registryFile, 'utf8');
const line = `  (await import('./${name}/module.js')).default,`;
if (registry.includes(`'./${name}/module.js'`)) fail(`registry.ts already lists ${name}`);

const prefix = values.prefix ?? item.replaceAll('-', '').slice(0, 3);
if (!/^[a-z]{2,5}$/.test(prefix)) fail(`id prefix "${prefix}" is not 2 to 5 lower-case letters`);
if (prefixesInUse(root).has(prefix)) fail(`id prefix "${prefix}_" is taken; choose one with --prefix`);

const area = camel(name);
const replacements = {
  module: name, // line-items: folder, URL segment, error-code area
  area, // lineItems: tag, operationId area, module name, services key
  Area: pascal(name), // LineItems: service and tables types
  table: name.replaceAll('-', '_'), // line_items
  item: camel(item), // lineItem: path parameter
  Item: pascal(item), // LineItem: schema names
  plural: words(name).join(' '), // line items: prose
  singular: words(item).join(' '), // line item
  Singular: capital(words(item).join(' ')), // Line item
  prefix, // lin: ids are lin_…
};

const now = timestamp();

function fill(text) {
  const out = text
    .replace(/__([A-Za-z]+)__/g, (whole, key) => replacements[key] ?? whole)
    // Migration names start with the time the module was scaffolded.
    .replaceAll("'00000000000000_", `'${now}_`);
  const left = out.match(/__[A-Za-z]+__/);
  if (left) fail(`the template has an unknown placeholder ${left[0]}`);
  return out;
}

// Fill every file first, so a bad template fails before anything is written.
const files = filesUnder(templateDir).map((file) => ({
  file,
  text: fill(readFileSync(join(templateDir, file), 'utf8')),
}));

const closing = registry.indexOf('\n];', registry.indexOf('export const modules'));
if (closing < 0) fail('registry.ts has no `export const modules = [ … ];` to add the module to');

for (const { file, text } of files) {
  mkdirSync(dirname(join(target, file)), { recursive: true });
  writeFileSync(join(target, file), text);
}
writeFileSync(registryFile, `${registry.slice(0, closing + 1)}${line}\n${registry.slice(closing + 1)}`);

// Longer names can change line breaks and import order; Biome settles them as `pnpm format` would.
const biome = join(here, 'node_modules/.bin/biome');
const formatted = existsSync(biome)
  ? spawnSync(biome, ['check', '--write', target], { cwd: root, encoding: 'utf8' })
  : null;
if (formatted?.status !== 0) {
  console.warn(
    `(not formatted: ${formatted ? formatted.stdout + formatted.stderr : 'no Biome'}; run \`pnpm format\`)`,
  );
}

const folder = relative(process.cwd(), target) || '.';
console.log(`created ${folder}/ (${files.map((f) => f.file).join(', ')})
added ${area} to ${relative(process.cwd(), registryFile)}

  resource    /v1/${name}, one "${replacements.singular}" (--item), ids ${prefix}_… (--prefix)
  operations  ${area}.list, ${area}.create, ${area}.get; error code ${name}/not-found
  storage     table ${replacements.table}, migration ${now}_${replacements.table}
  service     services.${area}

next:
  1. shape the API in ${folder}/spec.yaml, then \`pnpm generate\` (bundles the spec, regenerates
     the types and the Go, Python and Dart clients)
  2. implement store.ts, service.ts and the handlers in module.ts;
     \`pnpm --filter @aerostack/platform typecheck\`
  3. test it: platform/test/${name}.test.ts, table-driven app.request() rows on every backend
     (test/support/backends.ts + harness.ts); \`pnpm --filter @aerostack/platform test\`
see docs/modules.md`);
