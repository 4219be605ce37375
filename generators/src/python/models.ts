// models.py: a dataclass per object schema (snake_case attributes, from_dict/to_dict with
// camelCase wire names) and a Literal alias per enum.
import type { ApiModel, EnumType, Field, ObjectType } from '../model/index.js';
import { textLines } from '../naming.js';
import { pyClass, pyDocstring, pyName } from './naming.js';
import { fromJson, pyOptionalType, pyType, toJson } from './types.js';

/** Required fields first: dataclass fields without defaults must precede those with one. */
export function orderedFields(type: ObjectType): Field[] {
  return [...type.fields.filter((f) => f.required), ...type.fields.filter((f) => !f.required)];
}

function renderEnum(type: EnumType): string[] {
  const values = type.values.map((v) => JSON.stringify(v)).join(', ');
  return [
    `${pyClass(type.name)} = Literal[${values}]`,
    ...pyDocstring('', textLines(type.description ?? `One of ${values}.`)),
  ];
}

function renderFromDict(model: ApiModel, type: ObjectType, name: string): string[] {
  const args = orderedFields(type).map((f) => {
    const access = f.required
      ? `data[${JSON.stringify(f.wireName)}]`
      : `data.get(${JSON.stringify(f.wireName)})`;
    return `            ${pyName(f.wireName)}=${fromJson(model, f.type, access, !f.required)},`;
  });
  return [
    '    @classmethod',
    `    def from_dict(cls, data: Mapping[str, Any]) -> ${name}:`,
    `        """Build a ${name} from its JSON object; unknown keys are ignored."""`,
    ...(args.length > 0 ? ['        return cls(', ...args, '        )'] : ['        return cls()']),
  ];
}

function renderToDict(model: ApiModel, type: ObjectType): string[] {
  const always = type.fields.filter((f) => f.required);
  const optional = type.fields.filter((f) => !f.required);
  const lines = [
    '    def to_dict(self) -> Dict[str, Any]:',
    '        """This object as JSON, with camelCase keys; unset optional fields are left out."""',
  ];
  const entries = always.map(
    (f) =>
      `            ${JSON.stringify(f.wireName)}: ${toJson(model, f.type, `self.${pyName(f.wireName)}`)},`,
  );
  lines.push(entries.length > 0 ? '        out: Dict[str, Any] = {' : '        out: Dict[str, Any] = {}');
  if (entries.length > 0) lines.push(...entries, '        }');
  for (const f of optional) {
    const attr = `self.${pyName(f.wireName)}`;
    lines.push(
      `        if ${attr} is not None:`,
      `            out[${JSON.stringify(f.wireName)}] = ${toJson(model, f.type, attr)}`,
    );
  }
  lines.push('        return out');
  return lines;
}

function renderObject(model: ApiModel, type: ObjectType): string[] {
  const name = pyClass(type.name);
  const attributes = orderedFields(type).flatMap((f) => [
    f.required
      ? `    ${pyName(f.wireName)}: ${pyType(f.type)}`
      : `    ${pyName(f.wireName)}: ${pyOptionalType(f.type)} = None`,
    ...pyDocstring('    ', textLines(f.description)),
  ]);
  return [
    '@dataclass',
    `class ${name}:`,
    ...pyDocstring('    ', textLines(type.description ?? `The ${type.name} object of the API.`)),
    '',
    ...attributes,
    ...(attributes.length > 0 ? [''] : []),
    ...renderFromDict(model, type, name),
    '',
    ...renderToDict(model, type),
  ];
}

/** The typing names a block of Python source uses, for its imports. */
export function typingImports(source: string, candidates: string[]): string[] {
  return candidates.filter((name) => new RegExp(`\\b${name}\\[|\\b${name}\\b(?!\\()`).test(source));
}

export function renderModels(model: ApiModel): string {
  const enums = model.types.filter((t): t is EnumType => t.kind === 'enum');
  const objects = model.types.filter((t): t is ObjectType => t.kind === 'object');
  const body = [
    ...enums.map((t) => renderEnum(t).join('\n')),
    ...objects.map((t) => renderObject(model, t).join('\n')),
  ].join('\n\n\n');
  const typing = typingImports(body, ['Any', 'Dict', 'List', 'Literal', 'Mapping', 'Optional']);
  const serde = ['format_datetime', 'parse_datetime'].filter((f) => body.includes(`${f}(`));
  const names = model.types.map((t) => `    ${JSON.stringify(pyClass(t.name))},`);
  return [
    '"""The types of the API: a dataclass per object, a Literal per enum."""',
    '',
    'from __future__ import annotations',
    '',
    'from dataclasses import dataclass',
    ...(/\bdatetime\b/.test(body) ? ['from datetime import datetime'] : []),
    `from typing import ${typing.join(', ')}`,
    ...(serde.length > 0 ? ['', `from ._serde import ${serde.join(', ')}`] : []),
    '',
    '__all__ = [',
    ...names,
    ']',
    '',
    '',
    body,
  ].join('\n');
}
