// Which JSON Schema constructs the model refuses. Validation keywords (pattern, minimum,
// maxLength, enums of numbers, …) are the server's business and pass; keywords that change
// the shape of a value would be dropped by the resolver, so they are refused here instead.
import type { Schema } from '../spec.js';

/** Keywords whose meaning the generated types cannot carry at all (a Map: `then` is a keyword). */
const REFUSED = new Map<string, string>([
  ['not', 'not'],
  ['if', 'if/then/else'],
  ['then', 'if/then/else'],
  ['else', 'if/then/else'],
  ['patternProperties', 'patternProperties'],
  ['dependentSchemas', 'dependentSchemas'],
  ['prefixItems', 'prefixItems (a tuple)'],
  ['$dynamicRef', '$dynamicRef'],
  // OpenAPI 3.0's spelling; 3.1 ignores it, so the value would silently become non-nullable.
  ['nullable', "nullable (OpenAPI 3.0; write type: [X, 'null'] or oneOf: [X, {type: 'null'}])"],
]);

/** Keywords that give a schema its shape; a composition or $ref beside one of them hides it. */
const SHAPES = ['type', 'properties', 'additionalProperties', 'items', 'enum'] as const;
const COMPOSITIONS = ['oneOf', 'anyOf', 'allOf'] as const;

/** `{type: 'null'}`: the other member of `oneOf: [X, null]`. */
export function isNullSchema(schema: Schema): boolean {
  return schema.type === 'null' || (Array.isArray(schema.type) && schema.type.every((t) => t === 'null'));
}

function besides(schema: Schema, keyword: string, others: readonly string[]): string | undefined {
  const other = others.find((k) => k !== keyword && k in schema);
  return other && `${keyword} beside ${other}`;
}

/** `oneOf` / `anyOf` of several schemas besides `null`: a union (the resolver checks its members). */
export function isUnionSchema(schema: Schema): boolean {
  const members = schema.oneOf ?? schema.anyOf;
  return members !== undefined && members.filter((m) => !isNullSchema(m)).length > 1;
}

function refusedComposition(schema: Schema): string | undefined {
  const present = COMPOSITIONS.filter((k) => k in schema);
  const [first] = present;
  if (!first) return undefined;
  // A union of objects may say `type: object` beside it; that hides nothing.
  const shapes =
    isUnionSchema(schema) && schema.type === 'object' ? SHAPES.filter((k) => k !== 'type') : SHAPES;
  const clash = besides(schema, first, [...COMPOSITIONS, ...shapes]);
  if (clash) return clash;
  // `allOf: [X]` is how the spec describes a $ref; several would be an intersection.
  const count = schema.allOf?.length ?? 0;
  return first === 'allOf' && count > 1 ? `allOf of ${count} schemas` : undefined;
}

function refusedShape(schema: Schema): string | undefined {
  if (Array.isArray(schema.items)) return 'items as a list (a tuple)';
  const types = Array.isArray(schema.type) ? schema.type.filter((t) => t !== 'null') : [];
  // Several types are any JSON value (JsonValue); their properties or items would be lost.
  if (types.length > 1) {
    const lost = SHAPES.find((k) => k !== 'type' && k in schema);
    if (lost) return `a type list of several types beside ${lost}`;
  }
  const extra = schema.additionalProperties;
  const hasProperties = Object.keys(schema.properties ?? {}).length > 0;
  if (hasProperties && typeof extra === 'object' && Object.keys(extra).length > 0) {
    return 'properties beside an additionalProperties schema';
  }
  const values = (schema.enum ?? []).filter((v) => v !== null);
  const strings = values.filter((v) => typeof v === 'string').length;
  if (strings > 0 && strings < values.length) return 'an enum mixing strings and other values';
  return undefined;
}

/** The construct of `schema` itself (not of its subschemas) that the model refuses, if any. */
export function refusedConstruct(schema: Schema): string | undefined {
  const keywords = schema as Record<string, unknown>;
  const refused = [...REFUSED.keys()].find((k) => k in keywords);
  if (refused) return REFUSED.get(refused);
  for (const k of ['unevaluatedProperties', 'unevaluatedItems']) {
    if (typeof keywords[k] === 'object') return `${k} as a schema`;
  }
  // A property the server sets or only accepts would need different request and response types.
  if (schema.readOnly) return 'readOnly';
  if (schema.writeOnly) return 'writeOnly';
  if (schema.$ref) return besides(schema, '$ref', [...COMPOSITIONS, ...SHAPES]);
  // A discriminator on a base schema that variants extend with allOf: inheritance, not a union.
  if (schema.discriminator && !isUnionSchema(schema))
    return 'a discriminator without a oneOf or anyOf of several schemas';
  return refusedComposition(schema) ?? refusedShape(schema);
}
