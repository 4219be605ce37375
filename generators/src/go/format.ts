// gofmt for the generated Go, so the committed code is what `gofmt -l` accepts.
import { execFileSync } from 'node:child_process';
import type { GeneratedFile } from '../files.js';

let warned = false;

function gofmt(source: string, path: string): string {
  try {
    return execFileSync('gofmt', [], { input: source, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!missing)
      throw new Error(`gofmt rejected ${path}: ${(error as { stderr?: string }).stderr ?? error}`);
    if (!warned) process.stderr.write('generators: gofmt not found; Go output is left unformatted\n');
    warned = true;
    return source;
  }
}

/** Runs .go files through gofmt (when Go is installed); other files pass through. */
export function formatGo(files: GeneratedFile[]): GeneratedFile[] {
  return files.map((f) => (f.path.endsWith('.go') ? { ...f, content: gofmt(f.content, f.path) } : f));
}
