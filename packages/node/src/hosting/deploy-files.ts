import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AerostackError, type FieldProblem } from '@aerostack/core';

// Reading a project directory for `admin.hosting.deploy(projectId, dir)`: the two layout files
// as text and the one thing the client needs before the platform validates them, `main`.

/** The code the platform answers for a layout problem; problems found here use it too. */
const LAYOUT_INVALID = 'hosting/layout-invalid';

/**
 * A layout problem found before anything was sent: the same code and `errors[]` shape as the
 * platform's 422, with status 0 because no request was made.
 */
export function layoutError(errors: FieldProblem[]): AerostackError {
  const first = errors[0];
  return new AerostackError({
    code: LAYOUT_INVALID,
    status: 0,
    title: 'Invalid project layout',
    detail: `The project's layout has ${errors.length === 1 ? 'a problem' : `${errors.length} problems`}: ${first?.location} ${first?.message}`,
    errors,
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The text of `dir/name`, or undefined when there is no such file. */
export async function readOptional(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** `main` as written in `aerostack.toml`, and the line it is on. */
export interface MainEntry {
  main: string;
  line: number;
}

const MAIN_LINE = /^\s*main\s*=\s*(.*)$/;
const BASIC_STRING = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/;
const LITERAL_STRING = /^'([^']*)'\s*(?:#.*)?$/;

/** A TOML single-line string's value; TOML's escapes are JSON's but for \U and \e. */
function stringValue(raw: string): string | undefined {
  const literal = LITERAL_STRING.exec(raw);
  if (literal) return literal[1];
  const basic = BASIC_STRING.exec(raw);
  if (!basic) return undefined;
  try {
    return JSON.parse(`"${basic[1]}"`) as string;
  } catch {
    return undefined;
  }
}

/**
 * Finds the top-level `main = "…"` of `aerostack.toml`. The platform validates the whole file
 * (with smol-toml, its errors located); the client only needs the entry to bundle, so it reads
 * the lines before the first table rather than carrying a second TOML parser.
 */
export function findMain(toml: string): MainEntry {
  const lines = toml.split(/\r?\n/);
  for (const [index, text] of lines.entries()) {
    if (/^\s*\[/.test(text)) break;
    const match = MAIN_LINE.exec(text);
    if (!match) continue;
    const main = stringValue(match[1]?.trim() ?? '');
    if (main) return { main, line: index + 1 };
    throw layoutError([
      {
        location: `aerostack.toml:${index + 1}:1`,
        message: '`main` must be a one-line string naming the entry module, e.g. main = "src/index.ts".',
      },
    ]);
  }
  throw layoutError([
    {
      location: 'aerostack.toml:1:1',
      message: 'The file has no top-level `main`, the entry module to bundle (e.g. main = "src/index.ts").',
    },
  ]);
}
