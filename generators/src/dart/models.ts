// lib/src/models.dart: an immutable class per object schema with fromJson/toJson, and an
// enhanced enum per enum schema.
import type { ApiModel, EnumType, Field, ObjectType } from '../model/index.js';
import { textLines } from '../naming.js';
import { dartClass, dartDoc, dartEnumMember, dartName, dartString } from './naming.js';
import { dartNullableType, dartType, fromJson, fromNullableJson, toJson } from './types.js';

/** The declared type of a field: nullable when the field is optional. */
export function fieldType(field: Field): string {
  return field.required ? dartType(field.type) : dartNullableType(field.type);
}

const article = (word: string) => (/^[AEIOU]/.test(word) ? 'an' : 'a');

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

function renderObject(model: ApiModel, type: ObjectType): string[] {
  const name = dartClass(type.name);
  const params = type.fields.map((f) => `${f.required ? 'required ' : ''}this.${dartName(f.wireName)}`);
  const fromArgs = type.fields.map((f) => {
    const access = `json[${dartString(f.wireName)}]`;
    const value = f.required ? fromJson(model, f.type, access) : fromNullableJson(model, f.type, access);
    return `        ${dartName(f.wireName)}: ${value},`;
  });
  const toEntries = type.fields.map((f) => {
    const field = dartName(f.wireName);
    const nullable = !f.required || f.type.kind === 'nullable';
    const value = toJson(model, f.type, field, nullable);
    return f.required
      ? `        ${dartString(f.wireName)}: ${value},`
      : `        if (${field} != null) ${dartString(f.wireName)}: ${value},`;
  });
  const fields = type.fields.flatMap((f) => [
    '',
    ...dartDoc('  ', textLines(f.description)),
    ...(f.deprecated ? ["  @Deprecated('This field will be removed in a future version.')"] : []),
    `  final ${fieldType(f)} ${dartName(f.wireName)};`,
  ]);
  return [
    ...dartDoc('', textLines(type.description ?? `The ${type.name} object of the API.`)),
    `class ${name} {`,
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
    '  Map<String, Object?> toJson() => {',
    ...toEntries,
    '      };',
    '}',
  ];
}

export function renderModels(model: ApiModel): string {
  const blocks = model.types.map((t) => (t.kind === 'enum' ? renderEnum(t) : renderObject(model, t)));
  return blocks.map((b) => b.join('\n')).join('\n\n');
}
