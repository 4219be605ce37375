import { describe, expect, it } from 'vitest';
import { toPositional } from '../src/modules/db/postgres-values.js';
import { namedParams, splitStatements } from '../src/modules/db/tokens.js';

// The statement text the db module reads without a database: splitting migration scripts into
// statements, and finding and mapping named parameters, in each engine's own quoting rules.

describe('db statement text', () => {
  it('splits a script at top-level semicolons only', () => {
    expect(
      splitStatements(`CREATE TABLE a (x TEXT DEFAULT ';');
        -- a comment; with a semicolon
        CREATE TRIGGER t AFTER INSERT ON a BEGIN
          UPDATE a SET x = CASE WHEN x = 'a' THEN 'b' ELSE 'c' END;
          DELETE FROM a WHERE x = ';';
        END;
        ;  `),
    ).toEqual([
      "CREATE TABLE a (x TEXT DEFAULT ';')",
      `-- a comment; with a semicolon
        CREATE TRIGGER t AFTER INSERT ON a BEGIN
          UPDATE a SET x = CASE WHEN x = 'a' THEN 'b' ELSE 'c' END;
          DELETE FROM a WHERE x = ';';
        END`,
    ]);
    // PostgreSQL quoting (dollar quotes, E'' strings) counts only in PostgreSQL's dialect.
    const pgScript =
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $b$ SELECT 1; $b$; SELECT E'it\\'s; fine'";
    expect(splitStatements(pgScript, 'postgres')).toEqual([
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $b$ SELECT 1; $b$',
      "SELECT E'it\\'s; fine'",
    ]);
    expect(splitStatements(pgScript, 'sqlite')).toHaveLength(4);
  });

  it('finds named parameters outside strings, quoted names, comments and casts', () => {
    expect(
      namedParams(`SELECT ':no', "a:b", x::text, :yes, @also, $too /* :hidden */ -- :gone
        , :yes`),
    ).toEqual(['yes', 'also', 'too']);
    expect(toPositional({ sql: "SELECT :a::int, ':a', :b, :a", params: { a: 1, b: { k: 2 } } })).toEqual({
      text: "SELECT $1::int, ':a', $2, $1",
      values: [1, '{"k":2}'],
    });
    expect(toPositional({ sql: 'SELECT $1, :auth_user_id', params: ['x'], userId: 'usr_1' })).toEqual({
      text: 'SELECT $1, $2',
      values: ['x', 'usr_1'],
    });
  });
});
