import type { PoolClient } from 'pg';
import type { Change, Row } from './engine.js';
import { quoteIdent } from './postgres-values.js';

// Database change events on PostgreSQL: a PL/pgSQL trigger on every project table copies each
// changed row (to_jsonb of NEW / OLD) into the schema's _aerostack_changes, which the engine
// drains inside the same transaction just before COMMIT (a rolled-back write leaves nothing).

/** The change table and the trigger function of a new project schema, owned by its role. */
export function captureSetup(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}._aerostack_changes (seq bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, new jsonb, old jsonb)`,
    `ALTER TABLE ${s}._aerostack_changes OWNER TO ${s}`,
    `CREATE FUNCTION ${s}._aerostack_capture() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO ${s}._aerostack_changes (tbl, op, new, old) VALUES (
    TG_TABLE_NAME, TG_OP,
    CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
  RETURN NULL;
END
$f$`,
    `ALTER FUNCTION ${s}._aerostack_capture() OWNER TO ${s}`,
  ];
}

/** Statements after which the set of tables cannot have changed. */
export const DML = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'COPY',
  'FETCH',
  'SHOW',
  'EXPLAIN',
]);

// Gives every table of the schema that lacks it the capture trigger (one generic PL/pgSQL function
// copies NEW / OLD as JSON into _aerostack_changes). Partitions are skipped: their parent's
// trigger fires for them.
const SYNC_TRIGGERS = `
DO $sync$
DECLARE t record;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND c.relname NOT LIKE '\\_aerostack%'
      AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = '_aerostack_capture')
  LOOP
    EXECUTE format('CREATE TRIGGER _aerostack_capture AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION _aerostack_capture()', t.relname);
  END LOOP;
END
$sync$`;

/** Adds the capture trigger to every table of the schema that lacks it. */
export async function syncTriggers(client: PoolClient): Promise<void> {
  await client.query(SYNC_TRIGGERS);
}

/** Takes the rows this transaction changed out of the change table, in order. */
export async function drain(client: PoolClient): Promise<Change[]> {
  const result = await client.query('DELETE FROM _aerostack_changes RETURNING seq, tbl, op, new, old');
  return (
    result.rows as Array<{ seq: string; tbl: string; op: Change['op']; new: Row | null; old: Row | null }>
  )
    .sort((a, b) => Number(a.seq) - Number(b.seq))
    .map((r) => ({ table: r.tbl, op: r.op, new: r.new, old: r.old }));
}
