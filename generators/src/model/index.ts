// Builds the ApiModel from the spec document.
import { compareStrings } from '../naming.js';
import type { OpenApiDocument } from '../spec.js';
import { buildNamespaces } from './namespaces.js';
import { readOperations } from './operations.js';
import { SchemaResolver } from './schemas.js';
import type { ApiModel } from './types.js';

export { descendants } from './namespaces.js';
export type * from './types.js';

/** The language-neutral model of `doc` that every generator renders. */
export function buildModel(doc: OpenApiDocument): ApiModel {
  const resolver = new SchemaResolver(doc);
  resolver.registerComponents();
  const operations = readOperations(doc, resolver);
  const tags = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
  const errorCodes = Object.entries(doc['x-aerostack-error-codes'] ?? {})
    .map(([code, info]) => ({ code, ...info }))
    .sort((a, b) => compareStrings(a.code, b.code));
  return {
    title: doc.info.title,
    version: doc.info.version,
    description: doc.info.summary ?? doc.info.description,
    defaultServer: doc.servers?.[0]?.url ?? 'http://localhost:8787',
    types: [...resolver.types.values()],
    operations,
    root: buildNamespaces(operations, tags),
    errorCodes,
  };
}
