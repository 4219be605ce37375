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

const GENERATORS: Record<Language, (model: ApiModel) => GeneratedFile[]> = {
  go: generateGo,
  python: generatePython,
  dart: generateDart,
};

/** The generated files of one client; throws an UnsupportedError for what it cannot render. */
export function generateLanguage(language: Language, doc: OpenApiDocument): GeneratedFile[] {
  return GENERATORS[language](buildModel(doc));
}

/** Every generated file of every client, paths relative to clients/. */
export function generateAll(doc: OpenApiDocument): GeneratedFile[] {
  const model = buildModel(doc);
  return LANGUAGES.flatMap((language) => GENERATORS[language](model));
}
