import { ApiError } from '../../http/problem.js';

// Object keys are names in the metadata database, never paths: the stores use blob ids. Keys are
// still held to a path-like shape so that they mean the same thing everywhere they are shown and
// listed (S3 consoles, `prefix` listing) and so that no key can look like a traversal.

const MAX_KEY_BYTES = 1024;
// C0 and C1 controls, DEL, and the backslash (a separator on some systems).
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\\]/;

/** Throws `storage/invalid-key` unless `key` is a valid object key. */
export function checkKey(key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new ApiError('storage/invalid-key', `The key ${problem}.`);
}

function keyProblem(key: string): string | null {
  if (key.length === 0) return 'is empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `is longer than ${MAX_KEY_BYTES} bytes`;
  if (FORBIDDEN.test(key)) return 'has a control character or a backslash';
  if (/\p{Cs}/u.test(key)) return 'is not valid UTF-8 (a lone surrogate)';
  if (key.startsWith('/') || key.endsWith('/')) return 'starts or ends with "/"';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty segment ("//")';
    if (segment === '.' || segment === '..') return 'has a "." or ".." segment';
  }
  return null;
}

const MAX_METADATA_ENTRIES = 32;
const MAX_METADATA_BYTES = 2048;

/** Custom metadata from its JSON text: an object of strings, bounded; else `storage/invalid-metadata`. */
export function parseMetadata(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('storage/invalid-metadata', 'The metadata is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError('storage/invalid-metadata', 'The metadata must be a JSON object.');
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_METADATA_ENTRIES) {
    throw new ApiError('storage/invalid-metadata', `At most ${MAX_METADATA_ENTRIES} metadata entries.`);
  }
  for (const [name, entry] of entries) {
    if (typeof entry !== 'string') {
      throw new ApiError('storage/invalid-metadata', `Metadata "${name}" must be a string.`);
    }
    if (name === '' || FORBIDDEN.test(name) || FORBIDDEN.test(entry)) {
      throw new ApiError(
        'storage/invalid-metadata',
        `Metadata "${name}" has an empty name or a control character.`,
      );
    }
  }
  const normalized = JSON.stringify(Object.fromEntries(entries));
  if (Buffer.byteLength(normalized) > MAX_METADATA_BYTES) {
    throw new ApiError(
      'storage/invalid-metadata',
      `The metadata is larger than ${MAX_METADATA_BYTES} bytes.`,
    );
  }
  return value as Record<string, string>;
}
