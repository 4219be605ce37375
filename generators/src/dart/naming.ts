// Dart identifiers (camelCase members, reserved words escaped with `_`) and string literals.
import { camelCase, pascalCase, safeIdentifier } from '../naming.js';

const RESERVED = new Set([
  'assert',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'default',
  'do',
  'else',
  'enum',
  'extends',
  'false',
  'final',
  'finally',
  'for',
  'if',
  'in',
  'is',
  'new',
  'null',
  'rethrow',
  'return',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'var',
  'void',
  'while',
  'with',
  'hashCode',
  'runtimeType',
  'toString',
  'toJson',
  'noSuchMethod',
]);

/** Names an enum member may not take: they are members of every Dart enum (or ours). */
const ENUM_RESERVED = new Set([...RESERVED, 'index', 'name', 'value', 'values', 'fromJson']);

/** A field, parameter or method name: `ttl_seconds` → `ttlSeconds`, `class` → `class_`. */
export function dartName(name: string): string {
  return safeIdentifier(camelCase(name), RESERVED);
}

/** An enum member name for a wire value. */
export function dartEnumMember(value: string): string {
  return safeIdentifier(camelCase(value), ENUM_RESERVED);
}

/** A class name: component names stay as the spec spells them (`ApiKey`). */
export function dartClass(name: string): string {
  return /^[A-Z][A-Za-z0-9]*$/.test(name) ? name : pascalCase(name);
}

/** A single-quoted Dart string literal. */
export function dartString(text: string): string {
  const escaped = text
    .replaceAll('\\', '\\\\')
    .replaceAll("'", "\\'")
    .replaceAll('$', '\\$')
    .replaceAll('\n', '\\n');
  return `'${escaped}'`;
}

/** `///` doc comment lines at `indent`; prose longer than `width` is wrapped, code blocks are not. */
export function dartDoc(indent: string, lines: string[], width = 100): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of lines) {
    if (line.startsWith('```')) fenced = !fenced;
    const room = width - indent.length - 4;
    if (fenced || line.startsWith('```') || line.length <= room) {
      out.push(line);
      continue;
    }
    let current = '';
    for (const word of line.split(' ')) {
      if (current && current.length + 1 + word.length > room) {
        out.push(current);
        current = word;
      } else {
        current = current ? `${current} ${word}` : word;
      }
    }
    if (current) out.push(current);
  }
  return out.map((l) => `${indent}///${l ? ` ${l}` : ''}`);
}
