import { mkdir, realpath, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The packages a scaffolded MCP server depends on; both are devDependencies of @aerostack/node. */
const MCP_DEPENDENCIES = ['@modelcontextprotocol/sdk', 'zod'];

/**
 * Stands in for `npm install` in a scaffolded project: links the versions installed for
 * @aerostack/node's tests (the ones the template pins) into the project's `node_modules`, so the
 * test needs no registry. esbuild follows the links to the real paths, where their own
 * dependencies resolve as pnpm installed them.
 */
export async function linkMcpDependencies(projectDir: string): Promise<void> {
  const own = join(import.meta.dirname, '..', '..', 'node_modules');
  for (const name of MCP_DEPENDENCIES) {
    const target = join(projectDir, 'node_modules', name);
    await mkdir(dirname(target), { recursive: true });
    await symlink(await realpath(join(own, name)), target, 'dir');
  }
}
