import { ApiError } from '../problem.js';

// JSON bodies are parsed strictly: what the platform stores must be what the caller sent.
// Invalid UTF-8 is not silently replaced with U+FFFD, a number too large for a double (1e309) is
// not silently turned into null, and nesting is bounded so no later recursive step (validation,
// JSON.stringify) can overflow the stack.

/** The deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes `bytes` as UTF-8, refusing invalid sequences. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ApiError('request/invalid-encoding', 'The body is not valid UTF-8.');
  }
}

const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;

/** Throws `request/json-too-deep` when `text` nests deeper than MAX_JSON_DEPTH (strings skipped). */
function checkDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ApiError(
          'request/json-too-deep',
          `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects.`,
        );
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
}

/** Finds a non-finite number (what JSON.parse makes of 1e309) in a parsed value of bounded depth. */
function nonFinitePath(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path || '/';
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFinitePath(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const found = nonFinitePath((value as Record<string, unknown>)[key], `${path}/${key}`);
    if (found) return found;
  }
  return null;
}

/** Parses a JSON body: valid UTF-8, bounded depth, every number finite. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = decodeUtf8(bytes);
  checkDepth(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('request/invalid-json', 'The body is not valid JSON.');
  }
  const at = nonFinitePath(value, '');
  if (at !== null) {
    throw new ApiError('request/number-out-of-range', 'A number in the body is too large to represent.', {
      errors: [{ location: `body${at === '/' ? '' : at}`, message: 'is out of the range of a double' }],
    });
  }
  return value;
}
