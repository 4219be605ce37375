import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBase62 } from '../../lib/ids.js';
import { BLOB_NAME, type Leftover, type ObjectStore } from './object-store.js';

// Atomic writes: bytes go to a temp file beside the target, are fsynced, then renamed over it (and
// the directory fsynced), so a crash leaves either nothing or the whole object.

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `<blob>.<8 characters>.part`: a write's temp file, named after the blob it becomes. */
const TEMP_FILE = /^(.+)\.[A-Za-z0-9]{8}\.part$/;

/** Names in `dir`, none when it does not exist (nothing was ever stored). */
async function namesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
}

/** The local-directory object store rooted at `root`. */
export function createLocalObjectStore(root: string): ObjectStore {
  const pathOf = (name: string) => join(root, name);

  async function commit(temp: string, target: string): Promise<void> {
    await fsyncPath(temp);
    await rename(temp, target);
    await fsyncPath(dirname(target));
  }

  return {
    kind: 'local',
    async write(name, body) {
      const target = pathOf(name);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBase62(8)}.part`;
      try {
        await pipeline(Readable.from(body), createWriteStream(temp, { flags: 'wx' }));
        await commit(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async read(name, range) {
      const stream = createReadStream(pathOf(name), range ?? {});
      // Opened before answering, so a blob deleted meanwhile fails here rather than mid-reply;
      // once open, the bytes stay readable even if the object is replaced.
      await new Promise<void>((resolve, reject) =>
        stream.once('open', () => resolve()).once('error', reject),
      );
      return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    },
    async copy(from, to) {
      const target = pathOf(to);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBase62(8)}.part`;
      try {
        await copyFile(pathOf(from), temp);
        await commit(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    },
    async delete(name) {
      await rm(pathOf(name), { force: true });
    },
    async *leftovers(before) {
      for (const project of await namesIn(root)) {
        for (const file of await namesIn(join(root, project))) {
          const temp = TEMP_FILE.exec(file);
          const name = `${project}/${temp ? temp[1] : file}`;
          if (!BLOB_NAME.test(name)) continue;
          const path = join(root, project, file);
          // Gone meanwhile (a write renamed its temp file, a delete removed a blob): not a leftover.
          const info = await stat(path).catch(() => null);
          if (!info?.isFile() || info.mtime >= before) continue;
          const leftover: Leftover = {
            name,
            partial: temp !== null,
            remove: () => rm(path, { force: true }),
          };
          yield leftover;
        }
      }
    },
    async close() {},
  };
}
