// The snapshot specs of this folder (README.md), for the model tests and each language's
// snapshot tests.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { OpenApiDocument } from '../../src/spec.js';

export const TEST_SPECS = [
  'unions',
  'nullables',
  'enums',
  'pagination',
  'streams',
  'uploads',
  'downloads',
] as const;
export type TestSpec = (typeof TEST_SPECS)[number];

/** The spec `<name>.yaml` of this folder, parsed. */
export function loadTestSpec(name: TestSpec): OpenApiDocument {
  return parse(readFileSync(new URL(`./${name}.yaml`, import.meta.url), 'utf8')) as OpenApiDocument;
}
