// Assembles the OpenAPI document from its parts: the root (spec/openapi.yaml: info, shared
// components, the platform-wide error codes) and one fragment per module
// (platform/src/modules/<name>/spec.yaml: its tags, paths, schemas and error codes).
// `pnpm generate` writes the result to spec/openapi.json; the platform uses the same function
// at boot to add test-only fragments. Any collision is an error, never a silent override.

/** Standard error responses every operation answers, by what the operation declares. */
const STANDARD_RESPONSES = [
  ['400', 'BadRequest', (op) => (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined],
  ['401', 'Unauthorized', (op, doc) => securityOf(op, doc).length > 0],
  ['403', 'Forbidden', (op, doc) => securityOf(op, doc).length > 0],
  ['409', 'Conflict', (op) => hasIdempotencyKey(op)],
  ['413', 'PayloadTooLarge', (op) => op.requestBody !== undefined],
  ['415', 'UnsupportedMediaType', (op) => op.requestBody !== undefined],
  ['422', 'Unprocessable', (op) => hasIdempotencyKey(op)],
  ['429', 'TooManyRequests', (op) => op['x-aerostack-rate-limit'] !== undefined],
];

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function securityOf(op, doc) {
  return (op.security ?? doc.security ?? []).flatMap((requirement) => Object.keys(requirement));
}

function hasIdempotencyKey(op) {
  return (op.parameters ?? []).some((p) => p.$ref === '#/components/parameters/IdempotencyKey');
}

function isDeepEqual(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function mergeMap(target, source, what, where) {
  for (const [name, value] of Object.entries(source ?? {})) {
    if (name in target && !isDeepEqual(target[name], value)) {
      throw new Error(`${where}: ${what} "${name}" is already defined by another part of the spec`);
    }
    target[name] = value;
  }
}

/**
 * Merges `fragments` (each `{ name, document }`) into a copy of `root`. Throws on a duplicate path
 * + method, operationId, tag, error code, or a component defined twice differently.
 */
export function bundle(root, fragments) {
  const doc = structuredClone(root);
  doc.tags ??= [];
  doc.paths ??= {};
  doc.components ??= {};
  doc['x-aerostack-error-codes'] ??= {};
  const operationIds = new Map();
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) if (item[method]) operationIds.set(item[method].operationId, 'the root');
  }
  for (const { name, document } of fragments) {
    const where = `spec fragment of module "${name}"`;
    for (const tag of document.tags ?? []) {
      if (doc.tags.some((t) => t.name === tag.name)) throw new Error(`${where}: tag "${tag.name}" is taken`);
      doc.tags.push(tag);
    }
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      doc.paths[path] ??= {};
      const existing = doc.paths[path];
      for (const [key, value] of Object.entries(item)) {
        if (key in existing) throw new Error(`${where}: ${key.toUpperCase()} ${path} is already defined`);
        if (METHODS.includes(key)) {
          const other = operationIds.get(value.operationId);
          if (other) throw new Error(`${where}: operationId ${value.operationId} is also used by ${other}`);
          operationIds.set(value.operationId, `module "${name}"`);
        }
        existing[key] = value;
      }
    }
    for (const [kind, entries] of Object.entries(document.components ?? {})) {
      doc.components[kind] ??= {};
      mergeMap(doc.components[kind], entries, kind.replace(/s$/, ''), where);
    }
    for (const code of Object.keys(document['x-aerostack-error-codes'] ?? {})) {
      if (code in doc['x-aerostack-error-codes']) throw new Error(`${where}: error code ${code} is taken`);
    }
    Object.assign(doc['x-aerostack-error-codes'], document['x-aerostack-error-codes']);
  }
  declareStandardResponses(doc);
  return doc;
}

/** Adds the standard error statuses each operation can answer, unless the operation declares them. */
function declareStandardResponses(doc) {
  for (const item of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const shape = { ...op, parameters: [...(item.parameters ?? []), ...(op.parameters ?? [])] };
      const responses = {};
      for (const [status, name, applies] of STANDARD_RESPONSES) {
        if (!(status in op.responses) && applies(shape, doc)) {
          responses[status] = { $ref: `#/components/responses/${name}` };
        }
      }
      // Keep the declared order, then the added statuses, then `default` last.
      const { default: fallback, ...declared } = op.responses;
      op.responses = Object.fromEntries(
        Object.entries({ ...declared, ...responses }).sort(([a], [b]) => a.localeCompare(b)),
      );
      if (fallback) op.responses.default = fallback;
    }
  }
}
