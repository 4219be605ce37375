// lib/src/models.dart: an immutable class per object schema with fromJson/toJson, an enhanced enum
// per enum schema, and a sealed class per union whose variants implement it.
import type { ApiModel, EnumType, Field, ObjectType, TypeRef, UnionType } from '../model/index.js';
import { pascalCase, textLines } from '../naming.js';
import { UnsupportedError } from '../unsupported.js';
import { dartClass, dartDoc, dartEnumMember, dartName, dartString } from './naming.js';
import {
  dartLiteral,
  dartNullableType,
  dartType,
  fromJson,
  fromNullableJson,
  namedType,
  toJson,
} from './types.js';

/** The declared type of a field: nullable when the field is optional. */
export function fieldType(field: Field): string {
  return field.required ? dartType(field.type) : dartNullableType(field.type);
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a');

/** A required literal field is a getter with its constant, not a constructor parameter. */
function constant(field: Field): string | undefined {
  return field.required && field.type.kind === 'literal' ? dartLiteral(field.type.value) : undefined;
}

function renderEnum(type: EnumType): string[] {
  const name = dartClass(type.name);
  const members = type.values.map(
    (v, i) => `  ${dartEnumMember(v)}(${dartString(v)})${i === type.values.length - 1 ? ';' : ','}`,
  );
  return [
    ...dartDoc('', textLines(type.description ?? `One of a fixed set of strings.`)),
    `enum ${name} {`,
    ...members,
    '',
    `  const ${name}(this.value);`,
    '',
    '  /// The value on the wire.',
    '  final String value;',
    '',
    `  /// Reads ${article(name)} [${name}] from JSON; throws a [FormatException] for an unknown value.`,
    `  static ${name} fromJson(String value) => values.firstWhere(`,
    '        (e) => e.value == value,',
    `        orElse: () => throw FormatException('Unknown ${name}', value),`,
    '      );',
    '',
    '  /// The value on the wire.',
    '  String toJson() => value;',
    '}',
  ];
}

/** The unions each object type is a variant of, so that its class implements them. */
function unionsOf(model: ApiModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of model.types) {
    if (t.kind !== 'union') continue;
    for (const v of t.variants) {
      if (namedType(model, v)?.kind !== 'object' || v.kind !== 'named') continue;
      out.set(v.name, [...(out.get(v.name) ?? []), dartClass(t.name)]);
    }
  }
  return out;
}

function renderObject(model: ApiModel, type: ObjectType, unions: string[]): string[] {
  const name = dartClass(type.name);
  const stored = type.fields.filter((f) => constant(f) === undefined);
  const params = stored.map((f) => `${f.required ? 'required ' : ''}this.${dartName(f.wireName)}`);
  const fromArgs = stored.map((f) => {
    const access = `json[${dartString(f.wireName)}]`;
    const value = f.required ? fromJson(model, f.type, access) : fromNullableJson(model, f.type, access);
    return `        ${dartName(f.wireName)}: ${value},`;
  });
  const toEntries = type.fields.map((f) => {
    const field = dartName(f.wireName);
    const fixed = constant(f);
    if (fixed !== undefined) return `        ${dartString(f.wireName)}: ${fixed},`;
    const nullable = !f.required || f.type.kind === 'nullable';
    const value = toJson(model, f.type, field, nullable);
    return f.required
      ? `        ${dartString(f.wireName)}: ${value},`
      : `        if (${field} != null) ${dartString(f.wireName)}: ${value},`;
  });
  const fields = type.fields.flatMap((f) => {
    const fixed = constant(f);
    const doc = textLines(f.description);
    return [
      '',
      ...dartDoc(
        '  ',
        fixed === undefined ? doc : [...doc, ...(doc.length > 0 ? [''] : []), `Always ${fixed}.`],
      ),
      ...(f.deprecated ? ["  @Deprecated('This field will be removed in a future version.')"] : []),
      fixed === undefined
        ? `  final ${fieldType(f)} ${dartName(f.wireName)};`
        : `  ${dartType(f.type)} get ${dartName(f.wireName)} => ${fixed};`,
    ];
  });
  const header =
    unions.length > 0 ? `final class ${name} implements ${unions.join(', ')} {` : `class ${name} {`;
  return [
    ...dartDoc('', textLines(type.description ?? `The ${type.name} object of the API.`)),
    header,
    `  /// Creates ${article(name)} [${name}].`,
    params.length > 0 ? `  const ${name}({${params.join(', ')}});` : `  const ${name}();`,
    '',
    `  /// Reads ${article(name)} [${name}] from its JSON object; unknown keys are ignored.`,
    ...(params.length > 0
      ? [`  factory ${name}.fromJson(Map<String, Object?> json) => ${name}(`, ...fromArgs, '      );']
      : [`  factory ${name}.fromJson(Map<String, Object?> json) => const ${name}();`]),
    ...fields,
    '',
    '  /// This object as JSON, with camelCase keys; unset optional fields are left out.',
    ...(unions.length > 0 ? ['  @override'] : []),
    '  Map<String, Object?> toJson() => {',
    ...toEntries,
    '      };',
    '}',
  ];
}

/** The class of a variant that is not an object type: a wrapper `<Union><Variant>` holding the value. */
function wrapperName(union: UnionType, variant: TypeRef): string {
  const part =
    variant.kind === 'named'
      ? dartClass(variant.name)
      : variant.kind === 'literal'
        ? pascalCase(String(variant.value)) || 'Literal'
        : variant.kind === 'array'
          ? 'List'
          : variant.kind === 'map'
            ? 'Map'
            : pascalCase(variant.kind);
  return `${dartClass(union.name)}${part}`;
}

function isObjectVariant(model: ApiModel, variant: TypeRef): boolean {
  return namedType(model, variant)?.kind === 'object';
}

function renderUnion(model: ApiModel, type: UnionType): string[] {
  const name = dartClass(type.name);
  const classOf = (v: TypeRef) => (isObjectVariant(model, v) ? dartType(v) : wrapperName(type, v));
  const read = (v: TypeRef, expr = 'json') => {
    if (isObjectVariant(model, v)) return fromJson(model, v, expr);
    const wrapped = `${wrapperName(type, v)}(${fromJson(model, v, expr)})`;
    if (v.kind !== 'literal') return wrapped;
    // A literal variant is only its value.
    const value = dartLiteral(v.value);
    return `${expr} == ${value} ? ${wrapped} : throw FormatException(${dartString(`Not ${v.value}`)}, ${expr})`;
  };
  const d = type.discriminator;
  const unknown = `${name}Unknown`;
  const made = [
    ...(d ? [unknown] : []),
    ...type.variants.filter((v) => !isObjectVariant(model, v)).map((v) => wrapperName(type, v)),
  ];
  const taken = new Set(model.types.map((t) => dartClass(t.name)));
  for (const clash of made.filter((n) => taken.has(n) || RUNTIME_NAMES.has(n))) {
    throw new UnsupportedError(
      `a union class ${clash} named like a schema`,
      { schema: type.name },
      'the Dart client names union wrappers <Union><Variant> and <Union>Unknown',
    );
  }
  const body = d
    ? [
        `  factory ${name}.fromJson(Object? json) {`,
        '    final map = json as Map<String, Object?>;',
        `    switch (map[${dartString(d.property)}]) {`,
        ...Object.entries(d.mapping).flatMap(([value, target]) => [
          `      case ${dartString(value)}:`,
          `        return ${dartClass(target)}.fromJson(map);`,
        ]),
        '      default:',
        `        return ${unknown}(map);`,
        '    }',
        '  }',
      ]
    : [
        `  factory ${name}.fromJson(Object? json) {`,
        ...type.variants.flatMap((v) => [
          '    try {',
          `      return ${read(v)};`,
          '    } catch (_) {',
          `      // Not ${article(classOf(v))} ${classOf(v)}: try the next variant.`,
          '    }',
        ]),
        `    throw FormatException('Not ${article(name)} ${name}', json);`,
        '  }',
      ];
  const how = d
    ? `by its \`${d.property}\`: ${Object.entries(d.mapping)
        .map(([value, target]) => `\`${value}\` is [${dartClass(target)}]`)
        .join(', ')}; any other value is [${unknown}] (a kind this client does not know yet).`
    : `trying ${type.variants.map((v) => `[${classOf(v)}]`).join(', ')} in order; throws a [FormatException` +
      '] when none fits.';
  const wrappers = type.variants
    .filter((v) => !isObjectVariant(model, v))
    .flatMap((v) => [
      '',
      `/// ${article(name).replace(/^a/, 'A')} [${name}] that is ${article(dartType(v))} \`${dartType(v)}\`.`,
      `final class ${wrapperName(type, v)} extends ${name} {`,
      `  /// Wraps [value].`,
      `  const ${wrapperName(type, v)}(this.value);`,
      '',
      '  /// The value.',
      `  final ${dartType(v)} value;`,
      '',
      '  @override',
      `  Object? toJson() => ${toJson(model, v, 'value')};`,
      '}',
    ]);
  const unknownClass = d
    ? [
        '',
        ...dartDoc('', [
          `${article(name).replace(/^a/, 'A')} [${name}] whose \`${d.property}\` this client does not know (the platform is newer): its JSON as it came.`,
        ]),
        `final class ${unknown} extends ${name} {`,
        '  /// Wraps [json].',
        `  const ${unknown}(this.json);`,
        '',
        '  /// The JSON object as received.',
        '  final Map<String, Object?> json;',
        '',
        '  @override',
        '  Object? toJson() => json;',
        '}',
      ]
    : [];
  const variants = type.variants.map((v) => `[${classOf(v)}]`).join(', ');
  return [
    ...dartDoc('', [
      ...textLines(type.description ?? `One of ${variants}.`),
      '',
      `Exhaustive: \`switch\` over ${variants}${d ? ` and [${unknown}]` : ''}.`,
    ]),
    `sealed class ${name} {`,
    `  const ${name}();`,
    '',
    ...dartDoc('  ', [`Reads ${article(name)} [${name}] ${how}`]),
    ...body,
    '',
    '  /// This value as JSON.',
    '  Object? toJson();',
    '}',
    ...wrappers,
    ...unknownClass,
  ];
}

/** models.dart; [runtime] is the import prefix of the hand-written runtime (client.ts: DartTarget). */
/** The public names of the hand-written runtime (clients/dart/lib/src), which a schema may not take. */
export const RUNTIME_NAMES: ReadonlySet<string> = new Set([
  'AerostackAbortedException',
  'AerostackClient',
  'AerostackConnectionException',
  'AerostackException',
  'AerostackStatusException',
  'AerostackTimeoutException',
  'AttemptOutcome',
  'AuthenticationException',
  'BadRequestException',
  'Behaviour',
  'BinaryResponse',
  'BytesPayload',
  'BytesUpload',
  'ConflictException',
  'ErrorCode',
  'FilePart',
  'FixtureClient',
  'InternalServerException',
  'JsonPayload',
  'MultipartPayload',
  'NotFoundException',
  'Optional',
  'Payload',
  'PermissionDeniedException',
  'ProblemFieldError',
  'RateLimitException',
  'RequestOptions',
  'ServerSentEvent',
  'StreamUpload',
  'Transport',
  'UnprocessableEntityException',
  'Upload',
]);

export function renderModels(model: ApiModel, runtime = ''): string {
  for (const t of model.types) {
    if (RUNTIME_NAMES.has(dartClass(t.name))) {
      throw new UnsupportedError(
        `a schema named ${dartClass(t.name)}`,
        { schema: t.name },
        'the Dart client runtime has a class of that name',
      );
    }
  }
  const unions = unionsOf(model);
  const blocks = model.types.map((t) => {
    if (t.kind === 'enum') return renderEnum(t);
    if (t.kind === 'union') return renderUnion(model, t);
    return renderObject(model, t, unions.get(t.name) ?? []);
  });
  const usesFiles = model.types.some(
    (t) => t.kind === 'object' && t.fields.some((f) => JSON.stringify(f.type).includes('"file"')),
  );
  const imports = usesFiles ? [`import '${runtime}upload.dart';`, ''] : [];
  return [...imports, blocks.map((b) => b.join('\n')).join('\n\n')].join('\n');
}
