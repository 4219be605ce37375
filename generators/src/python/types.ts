// Python type hints for TypeRefs, and the expressions that convert values from and to JSON.
import type { ApiModel, TypeRef } from '../model/index.js';
import { pyClass } from './naming.js';

/** The type hint of a TypeRef (typing module spellings, valid on Python 3.9). */
export function pyType(type: TypeRef): string {
  switch (type.kind) {
    case 'string':
      return 'str';
    case 'integer':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'datetime':
      return 'datetime';
    case 'any':
      return 'Any';
    case 'named':
      return pyClass(type.name);
    case 'array':
      return `List[${pyType(type.items)}]`;
    case 'map':
      return `Dict[str, ${pyType(type.values)}]`;
    case 'nullable':
      return `Optional[${pyType(type.inner)}]`;
  }
}

/** The hint of a value that may be absent: `Optional[...]` unless it already admits None. */
export function pyOptionalType(type: TypeRef): string {
  return type.kind === 'nullable' || type.kind === 'any' ? pyType(type) : `Optional[${pyType(type)}]`;
}

type Direction = 'from' | 'to';

/**
 * An expression converting `expr` between its JSON form and its Python form; `undefined`
 * when the value passes through unchanged. `depth` keeps comprehension variables apart.
 */
function convert(
  model: ApiModel,
  type: TypeRef,
  expr: string,
  dir: Direction,
  depth: number,
): string | undefined {
  switch (type.kind) {
    case 'datetime':
      return dir === 'from' ? `parse_datetime(${expr})` : `format_datetime(${expr})`;
    case 'named': {
      const named = model.types.find((t) => t.name === type.name);
      if (named?.kind !== 'object') return undefined;
      return dir === 'from' ? `${pyClass(type.name)}.from_dict(${expr})` : `${expr}.to_dict()`;
    }
    case 'array': {
      const v = `v${depth}`;
      const inner = convert(model, type.items, v, dir, depth + 1);
      return inner && `[${inner} for ${v} in ${expr}]`;
    }
    case 'map': {
      const v = `v${depth}`;
      const inner = convert(model, type.values, v, dir, depth + 1);
      return inner && `{k${depth}: ${inner} for k${depth}, ${v} in ${expr}.items()}`;
    }
    case 'nullable':
      return nullableConvert(model, type.inner, expr, dir, depth);
    default:
      return undefined;
  }
}

function nullableConvert(model: ApiModel, type: TypeRef, expr: string, dir: Direction, depth: number) {
  const inner = convert(model, type, expr, dir, depth);
  return inner && `None if ${expr} is None else ${inner}`;
}

/** `expr` (JSON) as the Python value of `type`; `optional` when it may be absent or null. */
export function fromJson(model: ApiModel, type: TypeRef, expr: string, optional = false): string {
  const out = optional
    ? nullableConvert(model, type, expr, 'from', 0)
    : convert(model, type, expr, 'from', 0);
  return out ?? expr;
}

/** `expr` (Python) as JSON for `type`; `optional` when it may be None. */
export function toJson(model: ApiModel, type: TypeRef, expr: string, optional = false): string {
  const out = optional ? nullableConvert(model, type, expr, 'to', 0) : convert(model, type, expr, 'to', 0);
  return out ?? expr;
}
