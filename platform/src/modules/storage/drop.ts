import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tables } from '../../db/database.js';
import type { Services } from '../../services.js';
import type { StorageTables } from './store.js';

/**
 * Deletes the project's objects (rows first, so none names missing bytes; then their blobs, on
 * the local store or S3) and its URL-signing secret. On the local store the project's folder goes
 * too, with any blob no row named (a write cut short by a crash).
 */
export async function dropProject(services: Services, projectId: string): Promise<void> {
  const db = tables<StorageTables>(services.database);
  const rows = await db
    .deleteFrom('storage_objects')
    .where('project_id', '=', projectId)
    .returning('blob')
    .execute();
  for (const table of ['storage_signing_secrets', 'storage_usage', 'storage_uploads'] as const) {
    await db.deleteFrom(table).where('project_id', '=', projectId).execute();
  }
  const { objects } = services.storage;
  for (const { blob } of rows) await objects.delete(blob);
  if (objects.kind === 'local') {
    const { storage, dataDir } = services.config;
    // Blob names are `<projectId>/<blobId>` under the store's root (object-store.ts).
    await rm(join(storage.dir ?? join(dataDir, 'storage'), projectId), { recursive: true, force: true });
  }
}
