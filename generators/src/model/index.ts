// Builds the ApiModel from the spec document.
import { compareStrings } from '../naming.js';
import { loadBehaviour, type OpenApiDocument } from '../spec.js';
import { buildNamespaces } from './namespaces.js';
import { readOperations } from './operations.js';
import { SchemaResolver } from './schemas.js';
import type { ApiModel, ClientBehaviour } from './types.js';

export { descendants } from './namespaces.js';
export type * from './types.js';

/**
 * The language-neutral model of `doc` that every generator renders; `behaviour` defaults to
 * spec/clients/behaviour.json.
 */
const oneLine = (text: string) => text.trim().replace(/\s+/g, ' ');

export function buildModel(doc: OpenApiDocument, behaviour: ClientBehaviour = loadBehaviour()): ApiModel {
  // A first read of the operations alone, on a resolver of its own: registering the components
  // first (for their spec order) would refuse a construct under a component's name, and this
  // names the first operation that reaches it instead.
  readOperations(doc, new SchemaResolver(doc));
  const resolver = new SchemaResolver(doc);
  resolver.registerComponents();
  const operations = readOperations(doc, resolver);
  // Tag and error-code descriptions become one-line summaries in every language (a namespace's
  // doc line, a constant's comment), so a paragraph written across lines in YAML is joined.
  const tags = new Map((doc.tags ?? []).map((t) => [t.name, oneLine(t.description ?? '')]));
  const errorCodes = Object.entries(doc['x-aerostack-error-codes'] ?? {})
    .map(([code, info]) => ({
      code,
      ...info,
      ...(info.description !== undefined ? { description: oneLine(info.description) } : {}),
    }))
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
    behaviour,
  };
}
