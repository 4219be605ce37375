import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import type { VectorTables } from './store.js';

/**
 * Drops each of the project's indexes: its catalogue row, then its tables (in `vectors.db` or
 * PostgreSQL), the order `vector.delete` uses.
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  const db = tables<VectorTables>(services.database);
  const rows = await db
    .selectFrom('vector_indexes')
    .selectAll()
    .where('project_id', '=', projectId)
    .execute();
  for (const row of rows) {
    await db.deleteFrom('vector_indexes').where('id', '=', row.id).execute();
    await services.vector.store.dropIndex({ ...row, dimension: Number(row.dimension) });
  }
}
