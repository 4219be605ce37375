// models.py: a pydantic model per object schema (snake_case attributes, camelCase aliases),
// a Literal alias per enum and an annotated Union per union (discriminated when the spec says).
import type { ApiModel, EnumType, Field, ObjectType, TypeRef, UnionType } from '../model/index.js';
import { textLines } from '../naming.js';
import { pyClass, pyDocstring, pyFieldName } from './naming.js';
import { pyOptionalType, pyType } from './types.js';

function renderEnum(type: EnumType): string[] {
  const values = type.values.map((v) => JSON.stringify(v)).join(', ');
  return [
    `${pyClass(type.name)} = Literal[${values}]`,
    ...pyDocstring('', textLines(type.description ?? `One of ${values}.`)),
  ];
}

/** `name: hint` or `name: hint = Field(…)` for one attribute. */
function renderField(f: Field): string[] {
  const name = pyFieldName(f.wireName);
  const alias = name === f.wireName ? undefined : `alias=${JSON.stringify(f.wireName)}`;
  const hint = f.required ? pyType(f.type) : pyOptionalType(f.type);
  let line: string;
  if (f.required) line = alias ? `    ${name}: ${hint} = Field(${alias})` : `    ${name}: ${hint}`;
  else line = alias ? `    ${name}: ${hint} = Field(default=None, ${alias})` : `    ${name}: ${hint} = None`;
  const doc = textLines(f.description);
  if (f.deprecated) doc.push(...(doc.length > 0 ? [''] : []), 'Deprecated.');
  return [line, ...pyDocstring('    ', doc)];
}

function renderObject(type: ObjectType): string[] {
  const attributes = type.fields.flatMap(renderField);
  return [
    `class ${pyClass(type.name)}(BaseModel):`,
    ...pyDocstring('    ', textLines(type.description ?? `The ${type.name} object of the API.`)),
    ...(attributes.length > 0 ? ['', ...attributes] : []),
  ];
}

function variantTag(type: TypeRef, index: number): string {
  return type.kind === 'named' ? pyClass(type.name) : `v${index}`;
}

function renderUnion(type: UnionType): string[] {
  const name = pyClass(type.name);
  const doc = pyDocstring('', textLines(type.description ?? `One of the variants of ${type.name}.`));
  if (type.discriminator) {
    const tags: Record<string, string> = {};
    for (const [value, target] of Object.entries(type.discriminator.mapping)) tags[value] = pyClass(target);
    const variants = type.variants.map(
      (v, i) => `Annotated[${pyType(v)}, Tag(${JSON.stringify(variantTag(v, i))})]`,
    );
    return [
      `${name} = Annotated[`,
      `    Union[${variants.join(', ')}],`,
      `    Discriminator(discriminate(${JSON.stringify(type.discriminator.property)}, ${JSON.stringify(tags)})),`,
      ']',
      ...doc,
    ];
  }
  return [
    `${name} = Annotated[Union[${type.variants.map(pyType).join(', ')}], Field(union_mode="left_to_right")]`,
    ...doc,
  ];
}

/** The typing names a block of Python source uses as generics (`List[`), for its imports. */
export function typingImports(source: string, candidates: string[]): string[] {
  return candidates.filter((name) => new RegExp(`\\b${name}\\[`).test(source));
}

/** Imports of the runtime: relative inside the package, absolute from a fixture client. */
export function runtimeModule(target: 'api' | 'fixtures', module: string, depth: number): string {
  return target === 'api' ? `${'.'.repeat(depth)}${module}` : `aerostack.${module}`;
}

export function renderModels(model: ApiModel, target: 'api' | 'fixtures' = 'api'): string {
  const enums = model.types.filter((t): t is EnumType => t.kind === 'enum');
  const objects = model.types.filter((t): t is ObjectType => t.kind === 'object');
  const unions = model.types.filter((t): t is UnionType => t.kind === 'union');
  const body = [
    ...enums.map((t) => renderEnum(t).join('\n')),
    ...objects.map((t) => renderObject(t).join('\n')),
    ...unions.map((t) => renderUnion(t).join('\n')),
  ].join('\n\n\n');
  const typing = typingImports(body, ['Dict', 'List', 'Optional', 'Union']);
  const extensions = typingImports(body, ['Annotated', 'Literal', 'TypeAlias']);
  const pydantic = ['Discriminator', 'Field', 'Tag'].filter((n) => new RegExp(`\\b${n}\\(`).test(body));
  const runtime = ['BaseModel', ...(body.includes('discriminate(') ? ['discriminate'] : [])];
  const names = model.types.map((t) => `    ${JSON.stringify(pyClass(t.name))},`);
  const rebuild =
    objects.length > 0
      ? [
          '',
          '',
          `for _model in (${objects.map((t) => pyClass(t.name)).join(', ')},):`,
          '    _model.model_rebuild()',
        ]
      : [];
  return [
    '"""The types of the API: a pydantic model per object, a Literal per enum, a Union per union."""',
    '',
    'from __future__ import annotations',
    '',
    ...(/\bdatetime\b/.test(body) ? ['from datetime import datetime'] : []),
    ...(typing.length > 0 ? [`from typing import ${typing.join(', ')}`] : []),
    '',
    ...(pydantic.length > 0 ? [`from pydantic import ${pydantic.join(', ')}`] : []),
    ...(extensions.length > 0 ? [`from typing_extensions import ${extensions.join(', ')}`] : []),
    '',
    `from ${runtimeModule(target, '_models', 1)} import ${runtime.join(', ')}`,
    ...(body.includes('FileTypes') ? [`from ${runtimeModule(target, '_types', 1)} import FileTypes`] : []),
    '',
    '__all__ = [',
    ...names,
    ']',
    '',
    '',
    body,
    ...rebuild,
  ].join('\n');
}
