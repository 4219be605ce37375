// A small SQL tokenizer: enough to see words, identifiers, strings, parameters and `;` the way
// SQLite and PostgreSQL do, so comments, quoting and case cannot hide a word from the sandbox.

export type TokenKind = 'word' | 'quoted' | 'string' | 'param' | 'punct' | 'number';

export interface Token {
  kind: TokenKind;
  /** Words upper-cased; quoted identifiers and strings unquoted; params without their sigil. */
  value: string;
  start: number;
  end: number;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

function quotedUntil(sql: string, from: number, quote: string): { end: number; value: string } {
  let value = '';
  let i = from + 1;
  for (;;) {
    const at = sql.indexOf(quote, i);
    if (at < 0) return { end: sql.length, value: value + sql.slice(i) };
    value += sql.slice(i, at);
    if (sql[at + 1] === quote) {
      value += quote;
      i = at + 2;
      continue;
    }
    return { end: at + 1, value };
  }
}

/** Whose quoting rules apply: PostgreSQL adds E'…' escape strings and $tag$ dollar quoting. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * The tokens of `sql`; comments and whitespace are dropped. Never throws. For SQLite, whatever
 * this treats as opaque (strings, quoted names, comments) SQLite treats as opaque too, with the
 * same bounds, so the sandbox never sees less than SQLite runs.
 */
export function tokenize(sql: string, dialect: Dialect = 'sqlite'): Token[] {
  const pg = dialect === 'postgres';
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? n : close + 2;
    } else if (pg && (c === 'E' || c === 'e') && next === "'" && !WORD_PART.test(sql[i - 1] ?? ' ')) {
      // PostgreSQL escape string: a backslash escapes the next character, '' is a quote.
      let j = i + 2;
      for (; j < n; j++) {
        if (sql[j] === '\\') j++;
        else if (sql[j] === "'" && sql[j + 1] === "'") j++;
        else if (sql[j] === "'") break;
      }
      const end = Math.min(j + 1, n);
      tokens.push({ kind: 'string', value: sql.slice(i + 2, Math.min(j, n)), start: i, end });
      i = end;
    } else if (c === "'" || ((c === 'x' || c === 'X') && next === "'")) {
      const from = c === "'" ? i : i + 1;
      const { end, value } = quotedUntil(sql, from, "'");
      tokens.push({ kind: 'string', value, start: i, end });
      i = end;
    } else if (c === '"' || c === '`') {
      const { end, value } = quotedUntil(sql, i, c);
      tokens.push({ kind: 'quoted', value, start: i, end });
      i = end;
    } else if (c === '[' && !pg) {
      const close = sql.indexOf(']', i);
      const end = close < 0 ? n : close + 1;
      tokens.push({ kind: 'quoted', value: sql.slice(i + 1, close < 0 ? n : close), start: i, end });
      i = end;
    } else if (pg && c === '$' && next !== undefined && /[A-Za-z_$]/.test(next) && dollarTag(sql, i)) {
      // PostgreSQL dollar quoting: $tag$ … $tag$ (a function body is a string to the tokenizer).
      const tag = dollarTag(sql, i)!;
      const close = sql.indexOf(tag, i + tag.length);
      const end = close < 0 ? n : close + tag.length;
      tokens.push({ kind: 'string', value: sql.slice(i + tag.length, close < 0 ? n : close), start: i, end });
      i = end;
    } else if (pg && c === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      const end = close < 0 ? n : close + 2;
      tokens.push({ kind: 'string', value: sql.slice(i + 2, close < 0 ? n : close), start: i, end });
      i = end;
    } else if ((c === ':' || c === '@' || c === '$') && next !== undefined && WORD_START.test(next)) {
      if (c === ':' && sql[i - 1] === ':') {
        // `::type` is a PostgreSQL cast, not a parameter.
        tokens.push({ kind: 'punct', value: ':', start: i, end: i + 1 });
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j]!)) j++;
      tokens.push({ kind: 'param', value: sql.slice(i + 1, j), start: i, end: j });
      i = j;
    } else if (c === '?' || (c === '$' && next !== undefined && /[0-9]/.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'param', value: sql.slice(i + 1, j), start: i, end: j });
      i = j;
    } else if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j]!)) j++;
      tokens.push({ kind: 'word', value: sql.slice(i, j).toUpperCase(), start: i, end: j });
      i = j;
    } else if (/[0-9.]/.test(c) && (c !== '.' || (next !== undefined && /[0-9]/.test(next)))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(sql[j]!)) j++;
      tokens.push({ kind: 'number', value: sql.slice(i, j), start: i, end: j });
      i = j;
    } else {
      tokens.push({ kind: 'punct', value: c, start: i, end: i + 1 });
      i++;
    }
  }
  return tokens;
}

function dollarTag(sql: string, at: number): string | null {
  const match = /^\$[A-Za-z_][A-Za-z0-9_]*\$/.exec(sql.slice(at, at + 64));
  return match ? match[0] : null;
}

/**
 * Splits a script into its statements at top-level `;` (a CREATE TRIGGER body's `;` stay inside
 * its BEGIN … END). Empty statements are dropped.
 */
export function splitStatements(sql: string, dialect: Dialect = 'sqlite'): string[] {
  const tokens = tokenize(sql, dialect);
  const out: string[] = [];
  let from = 0;
  let first: Token[] = [];
  let depth = 0;
  for (const token of tokens) {
    if (first.length < 4) first.push(token);
    const inTrigger =
      first.some((t) => t.kind === 'word' && t.value === 'TRIGGER') && first[0]?.value === 'CREATE';
    if (inTrigger && token.kind === 'word') {
      if (token.value === 'BEGIN' || token.value === 'CASE') depth++;
      else if (token.value === 'END' && depth > 0) depth--;
    }
    if (token.kind === 'punct' && token.value === ';' && depth === 0) {
      const text = sql.slice(from, token.start).trim();
      if (text && tokenize(text, dialect).length > 0) out.push(text);
      from = token.end;
      first = [];
    }
  }
  const rest = sql.slice(from).trim();
  if (rest && tokenize(rest, dialect).length > 0) out.push(rest);
  return out;
}

/** The named parameters `sql` uses (`:name`, `@name`, `$name`), in order of first use. */
export function namedParams(sql: string, dialect: Dialect = 'sqlite'): string[] {
  const seen = new Set<string>();
  for (const token of tokenize(sql, dialect)) {
    if (token.kind === 'param' && !/^[0-9]*$/.test(token.value)) seen.add(token.value);
  }
  return [...seen];
}
