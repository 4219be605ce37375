// Go types for the model's TypeRefs, and models.go with one declaration per named type.
//
// Optional and nullable values are `param.Opt[T]` (omitted / null / value), never pointers;
// slices, maps and `any` are already nilable, so an optional one is the plain type with
// `omitzero`. Unions are structs with one `Of<Variant>` pointer per variant and their own JSON
// methods.
import type { ApiModel, EnumType, Field, ObjectType, TypeRef, UnionType } from '../model/index.js';
import { textLines } from '../naming.js';
import { goName } from './naming.js';

/** True when the Go type can already hold nil (slices, maps, interfaces). */
function isNilable(type: TypeRef): boolean {
  return type.kind === 'array' || type.kind === 'map' || type.kind === 'any';
}

/**
 * The Go type of a value that is always present. `q` qualifies the package's own names
 * (`aerostack.`) for code outside the package, such as the scenario dispatch table.
 */
export function goType(type: TypeRef, q = ''): string {
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
      return `${q}${goName(type.name)}`;
    case 'literal':
      return typeof type.value === 'string'
        ? 'string'
        : typeof type.value === 'boolean'
          ? 'bool'
          : Number.isInteger(type.value)
            ? 'int64'
            : 'float64';
    case 'file':
      return `${q}File`;
    case 'array':
      return `[]${goType(type.items, q)}`;
    case 'map':
      return `map[string]${goType(type.values, q)}`;
    case 'nullable':
      return type.inner.kind === 'any' ? 'any' : `param.Opt[${goType(type.inner, q)}]`;
  }
}

/** The Go type of a value that may be absent (or null): `param.Opt[T]`, or a nilable type as is. */
export function optionalGoType(type: TypeRef, q = ''): string {
  if (type.kind === 'nullable') return goType(type, q);
  return isNilable(type) ? goType(type, q) : `param.Opt[${goType(type, q)}]`;
}

/** The type of a struct field: optional fields may be left out, required nullable ones may be null. */
export function fieldGoType(field: Field, q = ''): string {
  return field.required ? goType(field.type, q) : optionalGoType(field.type, q);
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

export function fieldDoc(field: Field): string[] {
  const lines = textLines(field.description).map((l) => `\t//${l ? ` ${l}` : ''}`);
  if (field.deprecated)
    lines.push(
      ...(lines.length > 0 ? ['\t//'] : []),
      '\t// Deprecated: this field will be removed in a future version.',
    );
  return lines;
}

function renderField(field: Field): string[] {
  const tag = `json:"${field.wireName}${field.required ? '' : ',omitzero'}"`;
  const doc = fieldDoc(field);
  if (field.type.kind === 'literal') {
    const always = `\t// Always ${JSON.stringify(field.type.value)}${field.required ? ' (written for you)' : ''}.`;
    doc.push(...(doc.length > 0 ? ['\t//'] : []), always);
  }
  return [...doc, `\t${goName(field.wireName)} ${fieldGoType(field)} \`${tag}\``];
}

function renderObject(type: ObjectType): string[] {
  const name = goName(type.name);
  const doc = goDoc(name, type.description);
  const lines = [
    ...(doc.length > 0 ? doc : [`// ${name} is the ${type.name} schema of the API.`]),
    `type ${name} struct {`,
    ...type.fields.flatMap(renderField),
    '}',
  ];
  // Literal members (a union's discriminator) are written by MarshalJSON: callers need not set them.
  const literals = type.fields.filter((f) => f.required && f.type.kind === 'literal');
  if (literals.length === 0) return lines;
  return [
    ...lines,
    '',
    `// MarshalJSON writes ${name} with its constant ${literals.map((f) => f.wireName).join(', ')} filled in.`,
    `func (v ${name}) MarshalJSON() ([]byte, error) {`,
    `	type plain ${name}`,
    '	p := plain(v)',
    ...literals.map(
      (f) => `	p.${goName(f.wireName)} = ${JSON.stringify(f.type.kind === 'literal' ? f.type.value : '')}`,
    ),
    '	return json.Marshal(p)',
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

/** The field of a union struct that holds one variant: `OfCircle`, `OfString`, `OfArray`. */
export function variantField(variant: TypeRef): string {
  switch (variant.kind) {
    case 'named':
      return `Of${goName(variant.name)}`;
    case 'nullable':
      return variantField(variant.inner);
    case 'integer':
      return 'OfInt';
    case 'number':
      return 'OfFloat';
    case 'boolean':
      return 'OfBool';
    case 'datetime':
      return 'OfTime';
    case 'literal':
      return `Of${goName(String(variant.value))}`;
    default:
      return `Of${goName(variant.kind)}`;
  }
}

function renderUnion(type: UnionType): string[] {
  const name = goName(type.name);
  const doc = goDoc(name, type.description);
  const variants = type.variants.map((v) => ({ field: variantField(v), type: goType(v) }));
  const lines = [
    ...(doc.length > 0 ? doc : [`// ${name} is one of several types.`]),
    '//',
    '// Exactly one Of… field is set.',
    `type ${name} struct {`,
    ...variants.map((v) => `\t${v.field} *${v.type}`),
    '}',
    '',
    '// MarshalJSON writes the variant that is set.',
    `func (u ${name}) MarshalJSON() ([]byte, error) {`,
    '\tswitch {',
    ...variants.flatMap((v) => [`\tcase u.${v.field} != nil:`, `\t\treturn json.Marshal(u.${v.field})`]),
    '\t}',
    '\treturn []byte("null"), nil',
    '}',
    '',
  ];
  const disc = type.discriminator;
  if (disc) {
    lines.push(
      `// UnmarshalJSON reads the variant its ${JSON.stringify(disc.property)} names.`,
      `func (u *${name}) UnmarshalJSON(data []byte) error {`,
      `\t*u = ${name}{}`,
      '\tvar probe struct {',
      `\t\tValue string \`json:${JSON.stringify(disc.property)}\``,
      '\t}',
      '\tif err := json.Unmarshal(data, &probe); err != nil {',
      '\t\treturn err',
      '\t}',
      '\tswitch probe.Value {',
    );
    for (const [value, target] of Object.entries(disc.mapping)) {
      const index = type.variants.findIndex((ref) => ref.kind === 'named' && ref.name === target);
      const entry = variants[index];
      if (!entry) continue;
      lines.push(
        `\tcase ${JSON.stringify(value)}:`,
        `\t\tu.${entry.field} = new(${entry.type})`,
        `\t\treturn json.Unmarshal(data, u.${entry.field})`,
      );
    }
    lines.push('\t}', `\treturn fmt.Errorf("${name}: unknown ${disc.property} %q", probe.Value)`, '}');
  } else {
    lines.push(
      '// UnmarshalJSON reads the first variant that decodes without unknown fields.',
      `func (u *${name}) UnmarshalJSON(data []byte) error {`,
      `\t*u = ${name}{}`,
    );
    for (const v of variants) {
      lines.push(
        `\tif x := new(${v.type}); decodeStrict(data, x) == nil {`,
        `\t\tu.${v.field} = x`,
        '\t\treturn nil',
        '\t}',
      );
    }
    lines.push(`\treturn fmt.Errorf("${name}: no variant matches %s", data)`, '}');
  }
  return lines;
}

const STRICT_DECODER = [
  '// decodeStrict decodes data into v, refusing unknown fields (to tell union variants apart).',
  'func decodeStrict(data []byte, v any) error {',
  '\td := json.NewDecoder(bytes.NewReader(data))',
  '\td.DisallowUnknownFields()',
  '\treturn d.Decode(v)',
  '}',
];

/** The imports a Go body needs, from the package qualifiers it uses. */
export function importsFor(body: string, module: string): string[] {
  const known: [string, string][] = [
    ['bytes.', 'bytes'],
    ['context.', 'context'],
    ['json.', 'encoding/json'],
    ['fmt.', 'fmt'],
    ['io.', 'io'],
    ['http.', 'net/http'],
    ['url.', 'net/url'],
    ['slices.', 'slices'],
    ['time.', 'time'],
    ['param.', `${module}/param`],
    ['option.', `${module}/option`],
    ['requestconfig.', `${module}/internal/requestconfig`],
    ['pagination.', `${module}/internal/pagination`],
    ['ssestream.', `${module}/internal/ssestream`],
    ['apierror.', `${module}/internal/apierror`],
  ];
  // Comments (docs, examples) name packages without using them.
  const code = body.replace(/\/\/.*$/gm, '').replace(/"(?:[^"\\\n]|\\.)*"|`[^`]*`/g, '""');
  const used = known.filter(([q]) =>
    new RegExp(`(^|[^A-Za-z0-9_.])${q.replace('.', '\\.')}`, 'm').test(code),
  );
  return used.map(([, path]) => path).sort();
}

/** An import block: the standard library first, then the module's packages. */
export function importBlock(imports: string[]): string[] {
  if (imports.length === 0) return [];
  const std = imports.filter((i) => !i.includes('.'));
  const other = imports.filter((i) => i.includes('.'));
  const groups = [std, other].filter((g) => g.length > 0).map((g) => g.map((i) => `\t"${i}"`));
  return ['import (', ...groups.flatMap((g, n) => (n > 0 ? ['', ...g] : g)), ')', ''];
}

/** models.go: a struct per object schema, a string type with constants per enum, a struct per union. */
export function renderModels(model: ApiModel, pkg: string, module: string): string {
  const blocks = model.types.map((t) =>
    t.kind === 'object' ? renderObject(t) : t.kind === 'enum' ? renderEnum(t) : renderUnion(t),
  );
  if (model.types.some((t) => t.kind === 'union' && !t.discriminator)) blocks.push(STRICT_DECODER);
  const body = blocks.map((b) => b.join('\n')).join('\n\n');
  return [`package ${pkg}`, '', ...importBlock(importsFor(body, module)), body].join('\n');
}
