// Python type hints for TypeRefs (typing-module spellings, valid on Python 3.9).
import type { ApiModel, TypeRef } from '../model/index.js';
import { pyClass } from './naming.js';

/** The type hint of a TypeRef as a model attribute or a result. */
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
      return 'object';
    case 'named':
      return pyClass(type.name);
    case 'literal':
      return `Literal[${pyLiteral(type.value)}]`;
    case 'file':
      return 'FileTypes';
    case 'array':
      return `List[${pyType(type.items)}]`;
    case 'map':
      return `Dict[str, ${pyType(type.values)}]`;
    case 'nullable':
      return `Optional[${pyType(type.inner)}]`;
  }
}

/** A Python literal for a JSON scalar. */
export function pyLiteral(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value);
}

/**
 * The hint of an argument: like pyType but accepting what converts to the wire type (a
 * Sequence for a list, a Mapping for a map) so callers may pass tuples and read-only maps.
 */
export function pyArgType(type: TypeRef): string {
  switch (type.kind) {
    case 'array':
      return `Sequence[${pyArgType(type.items)}]`;
    case 'map':
      return `Mapping[str, ${pyArgType(type.values)}]`;
    case 'nullable':
      return `Optional[${pyArgType(type.inner)}]`;
    default:
      return pyType(type);
  }
}

/** True when the value may be JSON null. */
export function admitsNull(type: TypeRef): boolean {
  return type.kind === 'nullable' || type.kind === 'any';
}

/** The hint of a model attribute that may be absent: `Optional[...]` unless it already is. */
export function pyOptionalType(type: TypeRef): string {
  return type.kind === 'nullable' ? pyType(type) : `Optional[${pyType(type)}]`;
}

/** The runtime expression naming the type, for validation (`cast_to`). */
export function pyRuntimeType(model: ApiModel, type: TypeRef): string {
  void model;
  return pyType(type);
}
