import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The live processes serving SQLite files under `dataDir` (Linux: read from /proc). */
export function projectProcesses(dataDir: string, file = ''): number {
  let count = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (env.includes(`AEROSTACK_DB_FILE=${join(dataDir, 'db', file)}`)) count++;
    } catch {
      // gone, or not ours
    }
  }
  return count;
}
