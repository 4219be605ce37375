// All generators behind one call, for the CLI and the drift test.

import { generateDart } from './dart/index.js';
import type { GeneratedFile } from './files.js';
import { generateGo } from './go/index.js';
import { type ApiModel, buildModel } from './model/index.js';
import { generatePython } from './python/index.js';
import type { OpenApiDocument } from './spec.js';

/** The languages with a folder under clients/. */
export const LANGUAGES = ['go', 'python', 'dart'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * What a generator writes: `api`, the client of spec/openapi.json; `fixtures`, a client of the
 * platform's test-only fixture operations (streams, uploads, range downloads, multipart), which
 * each language places under clients/<lang>/ beside its client (e.g. a test package).
 */
export type Target = 'api' | 'fixtures';
export interface GenerateOptions {
  target: Target;
}

/** The languages whose generator writes the `fixtures` target; the others may throw for it. */
export const FIXTURE_LANGUAGES: ReadonlySet<Language> = new Set<Language>(['go', 'python', 'dart']);

const GENERATORS: Record<Language, (model: ApiModel, options: GenerateOptions) => GeneratedFile[]> = {
  go: generateGo,
  python: generatePython,
  dart: generateDart,
};

/** The generated files of one client; throws an UnsupportedError for what it cannot render. */
export function generateLanguage(
  language: Language,
  doc: OpenApiDocument,
  options: GenerateOptions = { target: 'api' },
): GeneratedFile[] {
  return GENERATORS[language](buildModel(doc), options);
}

/**
 * Every generated file of every client, paths relative to clients/. With `fixtures` (the spec
 * from `loadFixturesSpec`), also the fixture clients of the languages in FIXTURE_LANGUAGES.
 */
export function generateAll(doc: OpenApiDocument, fixtures?: OpenApiDocument): GeneratedFile[] {
  const model = buildModel(doc);
  const files = LANGUAGES.flatMap((language) => GENERATORS[language](model, { target: 'api' }));
  if (fixtures) {
    const fixtureModel = buildModel(fixtures);
    for (const language of LANGUAGES.filter((l) => FIXTURE_LANGUAGES.has(l))) {
      files.push(...GENERATORS[language](fixtureModel, { target: 'fixtures' }));
    }
  }
  const seen = new Set<string>();
  for (const { path } of files) {
    if (seen.has(path)) throw new Error(`two generated files at ${path} (api and fixtures targets?)`);
    seen.add(path);
  }
  return files;
}
