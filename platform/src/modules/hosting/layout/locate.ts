// Where a key of a TOML document is written, so that a problem found after parsing (a wrong type,
// a missing key) points at its line like a syntax error does. smol-toml gives values, not
// positions; this reads the document's lines the way TOML lays them out (headers, `key =` lines),
// skipping the inside of multi-line arrays, inline tables and strings.

/** A place in a file: 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?/;
const KEY = /^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

/** `a . "b c"` → `a.b c`: the dotted path as the parsed document names it. */
function pathOf(key: string): string {
  return key
    .split(/\.(?=(?:[^"']|"[^"]*"|'[^']*')*$)/)
    .map((part) => part.trim().replace(/^"(.*)"$|^'(.*)'$/, '$1$2'))
    .join('.');
}

/** How much a line opens (+) or closes (-) brackets and braces, outside strings and comments. */
function depthChange(line: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') break;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
  }
  return depth;
}

/**
 * The positions of a TOML document's tables and keys, by dotted path: `compatibility_date`,
 * `vars`, `vars.API_KEY`, `d1_databases[0]`, `d1_databases[0].binding`.
 */
export function tomlPositions(text: string): Map<string, Position> {
  const positions = new Map<string, Position>();
  const arrayCounts = new Map<string, number>();
  let table = '';
  let depth = 0;
  let inMultiline: string | null = null;
  text.split(/\r?\n/).forEach((line, index) => {
    const lineNo = index + 1;
    if (inMultiline) {
      if (line.split(inMultiline).length % 2 === 0) inMultiline = null;
      return;
    }
    if (depth > 0) {
      depth += depthChange(line);
      return;
    }
    const header = HEADER.exec(line);
    if (header) {
      const name = pathOf(header[2]!);
      if (header[1] === '[[') {
        const n = arrayCounts.get(name) ?? 0;
        arrayCounts.set(name, n + 1);
        table = `${name}[${n}]`;
      } else {
        table = name;
      }
      positions.set(table, { line: lineNo, column: line.indexOf('[') + 1 });
      return;
    }
    const key = KEY.exec(line);
    if (!key) return;
    const path = table ? `${table}.${pathOf(key[2]!)}` : pathOf(key[2]!);
    if (!positions.has(path)) positions.set(path, { line: lineNo, column: key[1]!.length + 1 });
    const rest = line.slice(key[0].length);
    for (const fence of ['"""', "'''"]) {
      if (rest.split(fence).length === 2) inMultiline = fence;
    }
    depth = Math.max(0, depthChange(rest));
  });
  return positions;
}

/** The position of `path`, or of the nearest enclosing table written in the file, or 1:1. */
export function nearest(positions: Map<string, Position>, path: string): Position {
  let current = path;
  while (current !== '') {
    const found = positions.get(current);
    if (found) return found;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    current = cut > 0 ? current.slice(0, cut) : '';
  }
  return { line: 1, column: 1 };
}

/** The line and column of a character offset in `text`. */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
