// Case conversions shared by every language generator. Wire names are camelCase
// (API-CONVENTIONS); each language re-cases them from the same word list.

/** Splits camelCase, PascalCase, snake_case, kebab-case, dotted and spaced names into lowercase words. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `nextCursor` → `NextCursor`. */
export function pascalCase(name: string): string {
  return words(name).map(capitalize).join('');
}

/** `next_cursor` → `nextCursor`. */
export function camelCase(name: string): string {
  const [first = '', ...rest] = words(name);
  return first + rest.map(capitalize).join('');
}

/** `nextCursor` → `next_cursor`. */
export function snakeCase(name: string): string {
  return words(name).join('_');
}

/** `cache/not-found` → `CACHE_NOT_FOUND`. */
export function screamingSnakeCase(name: string): string {
  return snakeCase(name).toUpperCase();
}

/** A name is an identifier in every target language once it starts with a letter. */
export function safeIdentifier(name: string, reserved: ReadonlySet<string>, suffix = '_'): string {
  const start = /^[0-9]/.test(name) ? `v${name}` : name;
  return reserved.has(start) ? `${start}${suffix}` : start;
}

/** A locale-independent string order, so output never depends on the machine's locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ES_ENDINGS = /(s|sh|ch|x|z|o)$/;

function conjugate(verb: string): string {
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ies`;
  return ES_ENDINGS.test(verb) ? `${verb}es` : `${verb}s`;
}

/**
 * Turns an imperative summary into a third-person sentence for doc comments that start
 * with the method name: `Read a cache entry` → `reads a cache entry.`
 */
export function thirdPerson(summary: string): string {
  const [first = '', second = '', ...rest] = summary.trim().replace(/\.$/, '').split(/\s+/);
  const lower = first.charAt(0).toLowerCase() + first.slice(1);
  // "Atomically add …" → "atomically adds …"
  const sentence =
    lower.endsWith('ly') && second
      ? [lower, conjugate(second), ...rest]
      : [conjugate(lower), second, ...rest].filter((w) => w.length > 0);
  return `${sentence.join(' ')}.`;
}

/** Splits text into trimmed lines, dropping trailing blank ones. */
export function textLines(text: string | undefined): string[] {
  const lines = (text ?? '')
    .trim()
    .split('\n')
    .map((l) => l.trimEnd());
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}
