// Turns JSON Schemas into TypeRefs, registering every object and enum as a named type.
// Component schemas keep their names; inline objects and enums are hoisted under a
// name made from where they appear (e.g. `CacheEntry` + `meta` → `CacheEntryMeta`).
// A construct it cannot represent is refused (schema-support.ts), never mapped to `any`.
import { pascalCase } from '../naming.js';
import { type OpenApiDocument, refName, type Schema } from '../spec.js';
import { UnsupportedError, under, within } from '../unsupported.js';
import { isNullSchema, refusedConstruct } from './schema-support.js';
import type { Field, NamedType, TypeRef } from './types.js';

const ANY: TypeRef = { kind: 'any' };

function nullable(type: TypeRef, isNullable: boolean): TypeRef {
  if (!isNullable || type.kind === 'any' || type.kind === 'nullable') return type;
  return { kind: 'nullable', inner: type };
}

function check(schema: Schema): void {
  const refused = refusedConstruct(schema);
  if (refused) throw new UnsupportedError(refused);
}

function isNamedShape(schema: Schema): boolean {
  const hasProperties = Object.keys(schema.properties ?? {}).length > 0;
  const isEnum = Array.isArray(schema.enum) && schema.enum.some((v) => typeof v === 'string');
  return hasProperties || isEnum;
}

/** Collects named types while resolving schemas; `types` keeps first-seen order. */
export class SchemaResolver {
  readonly types = new Map<string, NamedType>();
  private readonly origins = new Map<string, Schema>();

  constructor(private readonly doc: OpenApiDocument) {}

  /** Registers every component schema that is an object or enum, in spec order. */
  registerComponents(): void {
    for (const [name, schema] of Object.entries(this.doc.components?.schemas ?? {})) {
      if (isNamedShape(schema)) within({ schema: name }, () => this.define(name, schema));
    }
  }

  /** The TypeRef of `schema`; `hint` names the type if the schema must be hoisted. */
  typeOf(schema: Schema, hint: string): TypeRef {
    check(schema);
    if (schema.$ref) return this.typeOfRef(schema.$ref);
    // check() leaves at most one non-null member: `oneOf: [X, null]`, `allOf: [X]`.
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
      return ref;
    }
    this.origins.set(name, schema);
    if (schema.enum) {
      const values = schema.enum.filter((v): v is string => typeof v === 'string');
      this.types.set(name, { kind: 'enum', name, description: schema.description, values });
      return nullable(ref, schema.enum.includes(null));
    }
    // Set before resolving fields so that recursive schemas terminate.
    const type: NamedType = { kind: 'object', name, description: schema.description, fields: [] };
    this.types.set(name, type);
    const required = new Set(schema.required ?? []);
    for (const [wireName, property] of Object.entries(schema.properties ?? {})) {
      const field: Field = {
        wireName,
        type: under(wireName, () => this.typeOf(property, `${name}${pascalCase(wireName)}`)),
        required: required.has(wireName),
        description: property.description,
      };
      if (property.deprecated) field.deprecated = true;
      type.fields.push(field);
    }
    return ref;
  }
}
