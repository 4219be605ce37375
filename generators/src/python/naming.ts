// Python identifiers: snake_case attributes and parameters, keywords escaped with `_`.
import { pascalCase, safeIdentifier, snakeCase } from '../naming.js';

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
  'self',
]);

/** An attribute or parameter name: `ttlSeconds` → `ttl_seconds`, `from` → `from_`. */
export function pyName(name: string): string {
  return safeIdentifier(snakeCase(name), KEYWORDS);
}

/** A class name: component names stay as the spec spells them (`ApiKey`). */
export function pyClass(name: string): string {
  return /^[A-Z][A-Za-z0-9]*$/.test(name) ? name : pascalCase(name);
}

/**
 * Joins `head(` args `)tail` on one line when it fits in 99 columns, else one argument per
 * line with a trailing comma, as black would.
 */
export function pyCall(indent: string, head: string, args: string[], tail = ''): string[] {
  const oneLine = `${indent}${head}(${args.join(', ')})${tail}`;
  if (oneLine.length <= 99 || args.length === 0) return [oneLine];
  return [`${indent}${head}(`, ...args.map((a) => `${indent}    ${a},`), `${indent})${tail}`];
}

/** A docstring at `indent`, from lines of text. */
export function pyDocstring(indent: string, lines: string[]): string[] {
  const text = lines.map((l) => l.replaceAll('\\', '\\\\').replaceAll('"""', '\\"\\"\\"'));
  if (text.length === 0) return [];
  if (text.length === 1) return [`${indent}"""${text[0]}"""`];
  return [`${indent}"""${text[0]}`, ...text.slice(1).map((l) => (l ? `${indent}${l}` : '')), `${indent}"""`];
}

/** `from module import a, b` on one line when it fits, else one name per line in parentheses. */
export function pyImport(module: string, names: string[]): string[] {
  const oneLine = `from ${module} import ${names.join(', ')}`;
  if (oneLine.length <= 99) return [oneLine];
  return [`from ${module} import (`, ...names.map((n) => `    ${n},`), ')'];
}

/** Names a pydantic model may not use for a field (they shadow BaseModel's attributes). */
const MODEL_RESERVED = new Set([
  'construct',
  'copy',
  'dict',
  'from_dict',
  'from_orm',
  'json',
  'parse_file',
  'parse_obj',
  'parse_raw',
  'schema',
  'schema_json',
  'to_dict',
  'to_json',
  'update_forward_refs',
  'validate',
]);

/** A model attribute: like pyName, and clear of pydantic's own attributes (`json` → `json_`). */
export function pyFieldName(wireName: string): string {
  const name = pyName(wireName);
  return MODEL_RESERVED.has(name) || name.startsWith('model_') ? `${name}_` : name;
}
