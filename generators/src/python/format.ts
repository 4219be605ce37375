// ruff format for the generated Python, so the committed code is what `ruff format --check`
// accepts. Run when ruff is installed (the client's test extra and CI install it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GeneratedFile } from '../files.js';

let warned = false;

/** `ruff` on PATH, else `python3 -m ruff`; undefined when neither runs. */
function ruffCommand(): string[] | undefined {
  for (const command of [['ruff'], ['python3', '-m', 'ruff']]) {
    try {
      execFileSync(command[0] ?? 'ruff', [...command.slice(1), '--version'], { stdio: 'ignore' });
      return command;
    } catch {}
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
