// ruff format for the generated Python, so the committed code is what `ruff format --check`
// accepts. Run when ruff is installed (the client's test extra and CI install it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from '../files.js';
import { RUFF_VERSION } from './pyproject.js';

let warned = false;

/**
 * `python3 -m ruff` (the one the client's test extra pins), else `ruff` on PATH; undefined when
 * neither runs. Warns when its version is not RUFF_VERSION: the output may then differ from CI's.
 */
function ruffCommand(): string[] | undefined {
  for (const command of [['python3', '-m', 'ruff'], ['ruff']]) {
    let version: string;
    try {
      version = execFileSync(command[0] ?? 'ruff', [...command.slice(1), '--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch {
      continue;
    }
    if (!version.includes(RUFF_VERSION)) {
      process.stderr.write(
        `generators: ${version.trim()} is not ruff ${RUFF_VERSION} (pip install -e 'clients/python[test]'); ` +
          "the Python output may differ from CI's\n",
      );
    }
    return command;
  }
  return undefined;
}

let cached: string[] | null | undefined;

/** Formats the .py files (line length 100, double quotes) in one ruff run; others pass through. */
export function formatPython(files: GeneratedFile[]): GeneratedFile[] {
  if (cached === undefined) cached = ruffCommand() ?? null;
  const ruff = cached;
  if (!ruff) {
    if (!warned) process.stderr.write('generators: ruff not found; Python output is left unformatted\n');
    warned = true;
    return files;
  }
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-ruff-'));
  try {
    const py = files.filter((f) => f.path.endsWith('.py'));
    for (const f of py) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    execFileSync(
      ruff[0] ?? 'ruff',
      [
        ...ruff.slice(1),
        'format',
        '--isolated',
        '--line-length',
        '100',
        '--target-version',
        'py39',
        '--quiet',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return files.map((f) =>
      f.path.endsWith('.py') ? { ...f, content: readFileSync(join(dir, f.path), 'utf8') } : f,
    );
  } catch (error) {
    throw new Error(`ruff format failed: ${(error as { stderr?: Buffer }).stderr?.toString() ?? error}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
