// Dart types for TypeRefs, and the expressions that convert values from and to JSON.
import type { ApiModel, NamedType, TypeRef } from '../model/index.js';
import { dartClass } from './naming.js';

/** The Dart type of a literal's value. */
function literalType(value: string | number | boolean): string {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int' : 'double';
}

/** A literal as a Dart constant expression. */
export function dartLiteral(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  const escaped = value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('$', '\\$');
  return `'${escaped}'`;
}

/** The Dart type of a TypeRef; `Object?` for any JSON value, `FilePart` for a multipart file. */
export function dartType(type: TypeRef): string {
  switch (type.kind) {
    case 'string':
      return 'String';
    case 'integer':
      return 'int';
    case 'number':
      return 'double';
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'DateTime';
    case 'any':
      return 'Object?';
    case 'literal':
      return literalType(type.value);
    case 'file':
      return 'FilePart';
    case 'named':
      return dartClass(type.name);
    case 'array':
      return `List<${dartType(type.items)}>`;
    case 'map':
      return `Map<String, ${dartType(type.values)}>`;
    case 'nullable':
      return dartNullableType(type.inner);
  }
}

/** The type of a value that may be absent or null. */
export function dartNullableType(type: TypeRef): string {
  const t = dartType(type);
  return t.endsWith('?') ? t : `${t}?`;
}

/** The named type a TypeRef refers to, if any. */
export function namedType(model: ApiModel, type: TypeRef): NamedType | undefined {
  return type.kind === 'named' ? model.types.find((t) => t.name === type.name) : undefined;
}

function isEnum(model: ApiModel, type: TypeRef): boolean {
  return namedType(model, type)?.kind === 'enum';
}

/** `expr` (decoded JSON, `Object?`) as a Dart value of `type`. */
export function fromJson(model: ApiModel, type: TypeRef, expr: string, depth = 0): string {
  switch (type.kind) {
    case 'string':
      return `${expr} as String`;
    case 'integer':
      return `(${expr} as num).toInt()`;
    case 'number':
      return `(${expr} as num).toDouble()`;
    case 'boolean':
      return `${expr} as bool`;
    case 'datetime':
      return `DateTime.parse(${expr} as String)`;
    case 'any':
      return expr;
    case 'literal':
      return typeof type.value === 'number' && !Number.isInteger(type.value)
        ? `(${expr} as num).toDouble()`
        : `${expr} as ${literalType(type.value)}`;
    case 'file':
      // Files travel only as multipart parts; a model holding one is never read from JSON.
      return "throw UnsupportedError('a file part is not JSON')";
    case 'named': {
      const named = namedType(model, type);
      if (named?.kind === 'enum') return `${dartClass(type.name)}.fromJson(${expr} as String)`;
      if (named?.kind === 'union') return `${dartClass(type.name)}.fromJson(${expr})`;
      return `${dartClass(type.name)}.fromJson(${expr} as Map<String, Object?>)`;
    }
    case 'array': {
      const e = `e${depth}`;
      return `(${expr} as List<Object?>).map((${e}) => ${fromJson(model, type.items, e, depth + 1)}).toList()`;
    }
    case 'map': {
      const [k, v] = [`k${depth}`, `v${depth}`];
      const inner = fromJson(model, type.values, v, depth + 1);
      return `(${expr} as Map<String, Object?>).map((${k}, ${v}) => MapEntry(${k}, ${inner}))`;
    }
    case 'nullable':
      return fromNullableJson(model, type.inner, expr, depth);
  }
}

/** Like fromJson, for a value that may be absent or null. */
export function fromNullableJson(model: ApiModel, type: TypeRef, expr: string, depth = 0): string {
  if (type.kind === 'any') return expr;
  if (type.kind === 'nullable') return fromNullableJson(model, type.inner, expr, depth);
  if (type.kind === 'string' || type.kind === 'boolean') return `${expr} as ${dartType(type)}?`;
  return `${expr} == null ? null : ${fromJson(model, type, expr, depth)}`;
}

/** `expr` (a Dart value of `type`) as JSON; `nullable` when `expr` may be null. */
export function toJson(model: ApiModel, type: TypeRef, expr: string, nullable = false, depth = 0): string {
  const dot = nullable ? '?.' : '.';
  switch (type.kind) {
    case 'datetime':
      return `${expr}${dot}toUtc().toIso8601String()`;
    case 'named':
      return isEnum(model, type) ? `${expr}${dot}value` : `${expr}${dot}toJson()`;
    case 'array': {
      const e = `e${depth}`;
      const inner = toJson(model, type.items, e, false, depth + 1);
      return inner === e ? expr : `${expr}${dot}map((${e}) => ${inner}).toList()`;
    }
    case 'map': {
      const [k, v] = [`k${depth}`, `v${depth}`];
      const inner = toJson(model, type.values, v, false, depth + 1);
      return inner === v ? expr : `${expr}${dot}map((${k}, ${v}) => MapEntry(${k}, ${inner}))`;
    }
    case 'nullable':
      return toJson(model, type.inner, expr, true, depth);
    case 'file':
      // As JSON (never sent: multipart fields are sent as parts), a file part is its file name.
      return `${expr}${dot}filename`;
    default:
      return expr;
  }
}
