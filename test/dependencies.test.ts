import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// STYLE 3 / ARCHITECTURE §2: dependencies flow one way, spec → core → react | node → mcp-server;
// the platform depends on the spec only; generators read the spec file and import no package.
// Checked on both the manifests and the import statements of library source (tests may reach further).

const root = join(import.meta.dirname, '..');
const ALLOWED: Record<string, string[]> = {
  spec: [],
  'packages/core': [],
  'packages/react': ['@aerostack/core'],
  'packages/node': ['@aerostack/core'],
  'packages/mcp-server': ['@aerostack/core', '@aerostack/node'],
  platform: ['@aerostack/spec'],
  generators: [],
};

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts|cts)$/.test(name) ? [path] : [];
  });
}

function imported(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  // Statements at the start of a line (doc-comment examples start with ` * `), and dynamic imports.
  const statics = text.matchAll(/^(?:import|export)\b(?:[^;]*?\bfrom)?\s*['"](@aerostack\/[\w-]+)/gm);
  const dynamics = text.matchAll(/\bimport\(\s*['"](@aerostack\/[\w-]+)/g);
  return [...statics, ...dynamics].map((m) => m[1]!);
}

describe('dependency direction', () => {
  for (const [dir, allowed] of Object.entries(ALLOWED)) {
    it(`${dir} depends only on ${allowed.join(', ') || 'no workspace package'}`, () => {
      let manifest: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> } = {};
      try {
        manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
      } catch {
        // packages/mcp-server has no manifest yet
      }
      const runtime = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((d) =>
        d.startsWith('@aerostack/'),
      );
      expect(runtime.filter((d) => !allowed.includes(d))).toEqual([]);
      const offending = sourceFiles(join(root, dir, 'src')).flatMap((file) =>
        imported(file)
          .filter((name) => !allowed.includes(name))
          .map((name) => `${relative(root, file)} imports ${name}`),
      );
      expect(offending).toEqual([]);
    });
  }
});
