// Turns JSON Schemas into TypeRefs, registering every object and enum as a named type.
// Component schemas keep their names; inline objects and enums are hoisted under a
// name made from where they appear (e.g. `CacheEntry` + `meta` → `CacheEntryMeta`).
import { pascalCase } from '../naming.js';
import { type OpenApiDocument, refName, type Schema } from '../spec.js';
import type { Field, NamedType, TypeRef } from './types.js';

const ANY: TypeRef = { kind: 'any' };

function nullable(type: TypeRef, isNullable: boolean): TypeRef {
  if (!isNullable || type.kind === 'any' || type.kind === 'nullable') return type;
  return { kind: 'nullable', inner: type };
}

function isNullSchema(schema: Schema): boolean {
  return schema.type === 'null' || (Array.isArray(schema.type) && schema.type.every((t) => t === 'null'));
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
      if (isNamedShape(schema)) this.define(name, schema);
    }
  }

  /** The TypeRef of `schema`; `hint` names the type if the schema must be hoisted. */
  typeOf(schema: Schema, hint: string): TypeRef {
    if (schema.$ref) return this.typeOfRef(schema.$ref);
    const union = schema.oneOf ?? schema.anyOf;
    if (union) {
      const members = union.filter((s) => !isNullSchema(s));
      const only = members.length === 1 ? members[0] : undefined;
      return only ? nullable(this.typeOf(only, hint), members.length < union.length) : ANY;
    }
    if (schema.allOf) {
      const only = schema.allOf.length === 1 ? schema.allOf[0] : undefined;
      return only ? this.typeOf(only, hint) : ANY;
    }
    if (Array.isArray(schema.type)) {
      const types = schema.type.filter((t) => t !== 'null');
      const only = types.length === 1 ? types[0] : undefined;
      if (!only) return ANY;
      return nullable(this.typeOf({ ...schema, type: only }, hint), types.length < schema.type.length);
    }
    if (isNamedShape(schema)) return this.define(pascalCase(hint), schema);
    return this.primitive(schema, hint);
  }

  private typeOfRef(ref: string): TypeRef {
    const name = refName(ref);
    const target = this.doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${ref}`);
    // Primitive aliases (ids, timestamps, JsonValue) are inlined: a `ProjectId` is a string.
    return isNamedShape(target) ? this.define(name, target) : this.typeOf(target, name);
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
        return { kind: 'array', items: schema.items ? this.typeOf(schema.items, `${hint}Item`) : ANY };
      case 'object': {
        const extra = schema.additionalProperties;
        const values = typeof extra === 'object' ? this.typeOf(extra, `${hint}Value`) : ANY;
        return { kind: 'map', values };
      }
      default:
        return ANY;
    }
  }

  private define(name: string, schema: Schema): TypeRef {
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
        type: this.typeOf(property, `${name}${pascalCase(wireName)}`),
        required: required.has(wireName),
        description: property.description,
      };
      if (property.deprecated) field.deprecated = true;
      type.fields.push(field);
    }
    return ref;
  }
}
