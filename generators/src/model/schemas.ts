// Turns JSON Schemas into TypeRefs, registering every object, enum and union as a named type.
// Component schemas keep their names; inline objects, enums and unions are hoisted under a
// name made from where they appear (e.g. `CacheEntry` + `meta` → `CacheEntryMeta`), inline
// union variants under the union's name and the variant's title or discriminator value
// (`Shape` + `circle` → `ShapeCircle`). A construct it cannot represent is refused
// (schema-support.ts), never mapped to `any`.
import { pascalCase } from '../naming.js';
import { type OpenApiDocument, refName, type Schema } from '../spec.js';
import { UnsupportedError, under, within } from '../unsupported.js';
import { isNullSchema, isUnionSchema, refusedConstruct } from './schema-support.js';
import type { Field, NamedType, TypeRef, UnionType } from './types.js';

const ANY: TypeRef = { kind: 'any' };

function nullable(type: TypeRef, isNullable: boolean): TypeRef {
  if (!isNullable || type.kind === 'any' || type.kind === 'nullable') return type;
  return { kind: 'nullable', inner: type };
}

function check(schema: Schema): void {
  const refused = refusedConstruct(schema);
  if (refused) throw new UnsupportedError(refused);
}

function hasProperties(schema: Schema): boolean {
  return Object.keys(schema.properties ?? {}).length > 0;
}

function isNamedShape(schema: Schema): boolean {
  const isEnum = Array.isArray(schema.enum) && schema.enum.some((v) => typeof v === 'string');
  return hasProperties(schema) || isEnum || isUnionSchema(schema);
}

/** A named enum or union that also allows `null` (`enum: [a, b, null]`, `oneOf: [A, B, null]`). */
function allowsNull(schema: Schema): boolean {
  const members = schema.oneOf ?? schema.anyOf ?? [];
  return schema.enum?.includes(null) === true || members.some(isNullSchema);
}

type Literal = string | number | boolean;

function isLiteral(value: unknown): value is Literal {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The one value `schema` allows (`const`, or an enum of one value), if it allows one. */
function literalOf(schema: Schema): Literal | undefined {
  if ('const' in schema) return isLiteral(schema.const) ? schema.const : undefined;
  const [only, ...others] = schema.enum ?? [];
  return others.length === 0 && isLiteral(only) ? only : undefined;
}

/**
 * The schemas that are a variant of some union in `doc`, found before any type is built: a
 * variant's `const` and one-value enum properties are literals, which tell the variants apart,
 * and a component variant may be reached (and built) before its union.
 */
function unionVariants(doc: OpenApiDocument): Set<Schema> {
  const variants = new Set<Schema>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const v of value) visit(v);
    if (typeof value !== 'object' || value === null) return;
    const schema = value as Schema;
    const members = schema.oneOf ?? schema.anyOf;
    if (Array.isArray(members) && isUnionSchema(schema)) {
      for (const member of members) {
        const name = member.$ref?.startsWith('#/components/schemas/') ? refName(member.$ref) : undefined;
        const target = name ? doc.components?.schemas?.[name] : member;
        if (target) variants.add(target);
      }
    }
    for (const v of Object.values(value)) visit(v);
  };
  visit(doc);
  return variants;
}

/** Collects named types while resolving schemas; `types` keeps first-seen order. */
export class SchemaResolver {
  readonly types = new Map<string, NamedType>();
  private readonly origins = new Map<string, Schema>();
  private readonly variants: Set<Schema>;

  constructor(private readonly doc: OpenApiDocument) {
    this.variants = unionVariants(doc);
  }

  /** Registers every component schema that is an object, enum or union, in spec order. */
  registerComponents(): void {
    for (const [name, schema] of Object.entries(this.doc.components?.schemas ?? {})) {
      if (isNamedShape(schema)) within({ schema: name }, () => this.define(name, schema));
    }
  }

  /** The TypeRef of `schema`; `hint` names the type if the schema must be hoisted. */
  typeOf(schema: Schema, hint: string): TypeRef {
    check(schema);
    if (schema.$ref) return this.typeOfRef(schema.$ref);
    if (isUnionSchema(schema)) return this.define(pascalCase(hint), schema);
    // Besides unions, at most one non-null member: `oneOf: [X, null]`, `allOf: [X]`.
    const union = schema.oneOf ?? schema.anyOf;
    if (union) {
      const members = union.filter((s) => !isNullSchema(s));
      const only = members[0];
      return only ? nullable(this.typeOf(only, hint), members.length < union.length) : ANY;
    }
    if (schema.allOf) {
      const only = schema.allOf[0];
      return only ? this.typeOf(only, hint) : ANY;
    }
    if (Array.isArray(schema.type)) {
      const types = schema.type.filter((t) => t !== 'null');
      const only = types.length === 1 ? types[0] : undefined;
      // Several types: any JSON value (check() refused the properties or items they would lose).
      if (!only) return ANY;
      return nullable(this.typeOf({ ...schema, type: only }, hint), types.length < schema.type.length);
    }
    if (isNamedShape(schema)) return this.define(pascalCase(hint), schema);
    return this.primitive(schema, hint);
  }

  private typeOfRef(ref: string): TypeRef {
    if (!ref.startsWith('#/components/schemas/')) {
      throw new UnsupportedError(`$ref ${ref} (schemas must be in #/components/schemas)`);
    }
    const name = refName(ref);
    const target = this.doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    // Primitive aliases (ids, timestamps, JsonValue) are inlined: a `ProjectId` is a string.
    return within({ schema: name }, () =>
      isNamedShape(target) ? this.define(name, target) : this.typeOf(target, name),
    );
  }

  private primitive(schema: Schema, hint: string): TypeRef {
    switch (schema.type) {
      case 'string':
        return schema.format === 'date-time' ? { kind: 'datetime' } : { kind: 'string' };
      case 'integer':
      case 'number':
      case 'boolean':
        return { kind: schema.type };
      case 'array':
        return {
          kind: 'array',
          items: schema.items ? under('[]', () => this.typeOf(schema.items ?? {}, `${hint}Item`)) : ANY,
        };
      case 'object': {
        const extra = schema.additionalProperties;
        const values =
          typeof extra === 'object' ? under('{}', () => this.typeOf(extra, `${hint}Value`)) : ANY;
        return { kind: 'map', values };
      }
      default:
        return ANY;
    }
  }

  private define(name: string, schema: Schema): TypeRef {
    check(schema);
    const ref: TypeRef = { kind: 'named', name };
    const seen = this.origins.get(name);
    if (seen) {
      if (seen !== schema) throw new Error(`two different schemas would both be named ${name}`);
      return nullable(ref, allowsNull(schema));
    }
    this.origins.set(name, schema);
    if (isUnionSchema(schema)) return this.defineUnion(name, schema);
    if (schema.enum) {
      const values = schema.enum.filter((v): v is string => typeof v === 'string');
      this.types.set(name, { kind: 'enum', name, description: schema.description, values });
      return nullable(ref, allowsNull(schema));
    }
    // Set before resolving fields so that recursive schemas terminate.
    const type: NamedType = { kind: 'object', name, description: schema.description, fields: [] };
    this.types.set(name, type);
    const required = new Set(schema.required ?? []);
    const isVariant = this.variants.has(schema);
    for (const [wireName, property] of Object.entries(schema.properties ?? {})) {
      const literal = isVariant ? literalOf(property) : undefined;
      const field: Field = {
        wireName,
        type: under(wireName, () => {
          if (literal === undefined) return this.typeOf(property, `${name}${pascalCase(wireName)}`);
          check(property);
          return { kind: 'literal', value: literal };
        }),
        required: required.has(wireName),
        description: property.description,
      };
      if (property.deprecated) field.deprecated = true;
      type.fields.push(field);
    }
    return ref;
  }

  /**
   * A union of object schemas: each variant a named object type (inline ones hoisted under the
   * union's name), and with a discriminator the value of its property for each variant.
   */
  private defineUnion(name: string, schema: Schema): TypeRef {
    const keyword = schema.oneOf ? 'oneOf' : 'anyOf';
    const all = schema.oneOf ?? schema.anyOf ?? [];
    const members = all.filter((m) => !isNullSchema(m));
    const { discriminator } = schema;
    // anyOf lets several variants match at once; only a discriminator makes it one of them.
    if (keyword === 'anyOf' && !discriminator) {
      throw new UnsupportedError(`anyOf of ${members.length} schemas without a discriminator (write oneOf)`);
    }
    const objects = members.map((m) => this.variantSchema(m));
    if (objects.some((o) => !o)) {
      throw new UnsupportedError(`${keyword} of ${members.length} schemas, not all objects`);
    }
    // Set before resolving the variants so that recursive schemas terminate.
    const type: UnionType = { kind: 'union', name, description: schema.description, variants: [] };
    this.types.set(name, type);
    const property = discriminator?.propertyName;
    const values = (objects as Schema[]).map((o) =>
      property === undefined ? undefined : literalOf(o.properties?.[property] ?? {}),
    );
    const twice = values.find((v, i) => v !== undefined && values.indexOf(v) !== i);
    if (twice !== undefined) throw new UnsupportedError(`two variants for the discriminator value ${twice}`);
    // Named by its title, else its discriminator value, else the value of its first literal,
    // else its position (also when two variants would get one name that way).
    const suffixes = (objects as Schema[]).map((object, i) => {
      const value =
        values[i] ??
        Object.values(object.properties ?? {})
          .map(literalOf)
          .find((v) => v !== undefined);
      return pascalCase(object.title ?? (value === undefined ? '' : String(value)));
    });
    members.forEach((member, i) => {
      const own = suffixes[i] ?? '';
      const suffix = own && suffixes.indexOf(own) === suffixes.lastIndexOf(own) ? own : `Variant${i + 1}`;
      type.variants.push(under(`${keyword}[${i}]`, () => this.typeOf(member, `${name}${suffix}`)));
    });
    if (discriminator) type.discriminator = this.mapping(discriminator, type.variants, objects as Schema[]);
    return nullable({ kind: 'named', name }, allowsNull(schema));
  }

  /** The object schema of a union member (a `$ref` followed), or undefined if it is no object. */
  private variantSchema(member: Schema): Schema | undefined {
    const name = member.$ref?.startsWith('#/components/schemas/') ? refName(member.$ref) : undefined;
    const target = name ? this.doc.components?.schemas?.[name] : member;
    return target && !target.$ref && hasProperties(target) && !isUnionSchema(target) ? target : undefined;
  }

  /**
   * From each discriminator value to the name of its variant: the spec's `mapping`, then for
   * every variant it does not map, the variant's literal value of the property, else (a
   * component) its schema name, as OpenAPI's implicit mapping says.
   */
  private mapping(
    discriminator: NonNullable<Schema['discriminator']>,
    variants: TypeRef[],
    objects: Schema[],
  ): { property: string; mapping: Record<string, string> } {
    const property = discriminator.propertyName;
    const names = variants.map((v) => (v.kind === 'named' ? v.name : ''));
    const explicit = Object.entries(discriminator.mapping ?? {}).map(([value, target]) => {
      const to = target.startsWith('#/') ? refName(target) : target;
      if (!names.includes(to)) {
        throw new UnsupportedError(`a discriminator mapping of ${value} to ${to}, which is not a variant`);
      }
      return [value, to] as const;
    });
    const mapping: Record<string, string> = {};
    const add = (value: string, to: string) => {
      if (value in mapping) throw new UnsupportedError(`two variants for the discriminator value ${value}`);
      mapping[value] = to;
    };
    names.forEach((variant, i) => {
      const mapped = explicit.filter(([, to]) => to === variant);
      for (const [value] of mapped) add(value, variant);
      if (mapped.length > 0) return;
      const literal = literalOf(objects[i]?.properties?.[property] ?? {});
      if (literal !== undefined) {
        add(String(literal), variant);
      } else if (this.doc.components?.schemas?.[variant] === objects[i]) {
        add(variant, variant);
      } else {
        throw new UnsupportedError(`an inline variant without a value for the discriminator ${property}`);
      }
    });
    return { property, mapping };
  }
}
