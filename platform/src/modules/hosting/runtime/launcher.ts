import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Miniflare spawns workerd with the platform's whole environment (`{ ...process.env }`), which
 * holds its database URL, master key and provider keys. workerd gives workers no way to read it,
 * but a process that never had them cannot leak them (a core dump, a future workerd API, a bug):
 * workerd is started through a launcher that execs it with an empty environment. `exec` keeps the
 * pid, so the process the watchdog finds is workerd itself.
 *
 * Miniflare reads the binary from `MINIFLARE_WORKERD_PATH`, so the launcher is set there, for the
 * whole platform process (every workerd it starts is hosted code). An operator's own
 * `MINIFLARE_WORKERD_PATH` is kept as the binary the launcher runs.
 */

let launcher: string | undefined;

function workerdBinary(): string {
  const fromMiniflare = createRequire(createRequire(import.meta.url).resolve('miniflare'));
  return (fromMiniflare('workerd') as { default: string }).default;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** Points Miniflare at the clean-environment launcher (once per process). */
export function useCleanEnvironment(): void {
  if (launcher !== undefined && process.env.MINIFLARE_WORKERD_PATH === launcher) return;
  const binary = process.env.MINIFLARE_WORKERD_PATH ?? workerdBinary();
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-workerd-'));
  launcher = join(dir, 'workerd');
  writeFileSync(launcher, `#!/bin/sh\nexec /usr/bin/env -i ${quote(binary)} "$@"\n`);
  chmodSync(launcher, 0o700);
  process.env.MINIFLARE_WORKERD_PATH = launcher;
}
