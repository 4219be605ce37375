import { ApiError } from '../../http/problem.js';
import { type Token, tokenize } from './tokens.js';

// What keeps project SQL inside the project's own database. PostgreSQL enforces it itself (a role
// that owns only its schema); SQLite has no such notion, so statements are checked here before
// they run: a word that reaches outside the file (ATTACH, VACUUM INTO, file and extension
// functions, connection-changing PRAGMAs) is refused wherever it stands, whatever its case, after
// comments are dropped. Names reserved for the platform's own tables are refused on both engines.

/** Words that are refused anywhere outside strings and quoted identifiers. */
const FORBIDDEN_WORDS = new Set(['ATTACH', 'DETACH', 'VACUUM']);

/** Functions and tables that reach the file system, load code or expose the file's pages. */
const FORBIDDEN_NAMES = new Set([
  'load_extension',
  'readfile',
  'writefile',
  'fsdir',
  'lsdir',
  'zipfile',
  'fts3_tokenizer',
  'sqlite_dbpage',
  'sqlite_dbdata',
  'sqlite_dbptr',
]);

/** PRAGMAs that only read the schema; the others change the connection or reveal the file system. */
const READ_ONLY_PRAGMAS = new Set([
  'table_info',
  'table_xinfo',
  'table_list',
  'index_list',
  'index_info',
  'index_xinfo',
  'foreign_key_list',
  'foreign_key_check',
  'integrity_check',
  'quick_check',
  'collation_list',
]);

/** Prefix of the platform's own tables and triggers inside a project database. */
export const RESERVED_PREFIX = '_aerostack';

function refuse(reason: string): never {
  throw new ApiError('db/forbidden-statement', reason);
}

function checkName(name: string, engine: 'sqlite' | 'postgres'): void {
  const lower = name.toLowerCase();
  if (lower.startsWith(RESERVED_PREFIX)) refuse(`Names starting with ${RESERVED_PREFIX} are the platform's.`);
  if (engine !== 'sqlite') return;
  if (FORBIDDEN_NAMES.has(lower)) refuse(`${name} reaches outside the project's database.`);
  if (lower.startsWith('pragma_') && !READ_ONLY_PRAGMAS.has(lower.slice('pragma_'.length))) {
    refuse(`${name} is not one of the read-only PRAGMAs.`);
  }
}

function checkPragma(tokens: Token[], at: number): void {
  let i = at + 1;
  let name = tokens[i];
  if (tokens[i + 1]?.value === '.') {
    i += 2;
    name = tokens[i];
  }
  const pragma = name?.value.toLowerCase() ?? '';
  if (!READ_ONLY_PRAGMAS.has(pragma)) refuse(`PRAGMA ${pragma} is not one of the read-only PRAGMAs.`);
  if (tokens[i + 1]?.value === '=') refuse(`PRAGMA ${pragma} cannot be set.`);
}

/**
 * Refuses (403 `db/forbidden-statement`) SQL that reaches outside the project's database. For
 * PostgreSQL only the platform's reserved names are checked: the role's privileges do the rest.
 */
export function checkStatement(sql: string, engine: 'sqlite' | 'postgres'): void {
  const tokens = tokenize(sql, engine);
  for (const [i, token] of tokens.entries()) {
    switch (token.kind) {
      case 'word':
        if (engine === 'sqlite') {
          if (FORBIDDEN_WORDS.has(token.value))
            refuse(`${token.value} is not allowed on a project database.`);
          if (token.value === 'PRAGMA') checkPragma(tokens, i);
        }
        checkName(token.value, engine);
        break;
      case 'quoted':
        checkName(token.value, engine);
        break;
      case 'string':
        // SQLite reads a string where only a name fits as that name (FROM 'pragma_database_list').
        if (engine === 'sqlite' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(token.value))
          checkName(token.value, engine);
        else if (token.value.toLowerCase().startsWith(RESERVED_PREFIX) && engine === 'sqlite') {
          checkName(token.value, engine);
        }
        break;
      default:
    }
  }
}
