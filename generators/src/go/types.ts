// Go types for the model's TypeRefs, and models.go with one declaration per named type.
import type { ApiModel, EnumType, Field, ObjectType, TypeRef } from '../model/index.js';
import { textLines } from '../naming.js';
import { goName } from './naming.js';

/** True when the Go type can already hold nil (slices, maps, interfaces). */
function isNilable(type: TypeRef): boolean {
  return type.kind === 'array' || type.kind === 'map' || type.kind === 'any';
}

/** The Go type of a value that is always present. */
export function goType(type: TypeRef): string {
  switch (type.kind) {
    case 'string':
      return 'string';
    case 'integer':
      return 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'time.Time';
    case 'any':
      return 'any';
    case 'named':
      return goName(type.name);
    case 'array':
      return `[]${goType(type.items)}`;
    case 'map':
      return `map[string]${goType(type.values)}`;
    case 'nullable':
      return optionalGoType(type.inner);
  }
}

/** The Go type of a value that may be absent or null: a pointer unless the type is already nilable. */
export function optionalGoType(type: TypeRef): string {
  const inner = type.kind === 'nullable' ? type.inner : type;
  return isNilable(inner) ? goType(inner) : `*${goType(inner)}`;
}

/** `// Name is a …` when the description reads as a noun phrase, else `// Name: …`. */
export function goDoc(name: string, description: string | undefined, indent = ''): string[] {
  const lines = textLines(description);
  const [first, ...rest] = lines;
  if (!first) return [];
  const lead = /^(A|An|The|Any) /.test(first)
    ? `${name} is ${first.charAt(0).toLowerCase()}${first.slice(1)}`
    : `${name}: ${first}`;
  return [lead, ...rest].map((l) => `${indent}//${l ? ` ${l}` : ''}`);
}

function fieldDoc(field: Field): string[] {
  const lines = textLines(field.description).map((l) => `\t//${l ? ` ${l}` : ''}`);
  if (field.deprecated)
    lines.push('\t//', '\t// Deprecated: this field will be removed in a future version.');
  return lines;
}

function renderField(field: Field): string[] {
  const optional = !field.required;
  const type = optional ? optionalGoType(field.type) : goType(field.type);
  const tag = `json:"${field.wireName}${optional ? ',omitempty' : ''}"`;
  return [...fieldDoc(field), `\t${goName(field.wireName)} ${type} \`${tag}\``];
}

function renderObject(type: ObjectType): string[] {
  const name = goName(type.name);
  const doc = goDoc(name, type.description);
  return [
    ...(doc.length > 0 ? doc : [`// ${name} is the ${type.name} schema of the API.`]),
    `type ${name} struct {`,
    ...type.fields.flatMap(renderField),
    '}',
  ];
}

function renderEnum(type: EnumType): string[] {
  const name = goName(type.name);
  const doc = goDoc(name, type.description);
  return [
    ...(doc.length > 0 ? doc : [`// ${name} is one of a fixed set of strings.`]),
    `type ${name} string`,
    '',
    `// The values of ${name}.`,
    'const (',
    ...type.values.map((v) => `\t${name}${goName(v)} ${name} = ${JSON.stringify(v)}`),
    ')',
  ];
}

/** models.go: a struct per object schema, a string type with constants per enum. */
export function renderModels(model: ApiModel): string {
  const blocks = model.types.map((t) => (t.kind === 'object' ? renderObject(t) : renderEnum(t)));
  const usesTime = blocks.some((b) => b.some((l) => l.includes('time.Time')));
  return [
    'package aerostack',
    '',
    ...(usesTime ? ['import "time"', ''] : []),
    blocks.map((b) => b.join('\n')).join('\n\n'),
  ].join('\n');
}
