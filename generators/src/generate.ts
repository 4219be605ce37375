// All generators behind one call, for the CLI and the drift test.

import { generateDart } from './dart/index.js';
import type { GeneratedFile } from './files.js';
import { generateGo } from './go/index.js';
import { buildModel } from './model/index.js';
import { generatePython } from './python/index.js';
import type { OpenApiDocument } from './spec.js';

/** The languages with a folder under clients/. */
export const LANGUAGES = ['go', 'python', 'dart'] as const;

/** Every generated file of every client, paths relative to clients/. */
export function generateAll(doc: OpenApiDocument): GeneratedFile[] {
  const model = buildModel(doc);
  return [...generateGo(model), ...generatePython(model), ...generateDart(model)];
}
