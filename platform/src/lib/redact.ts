// What the logger does to every line before it is written, so that a careless field never puts a
// credential in the logs: fields named like a secret are censored, and anything shaped like an
// Aerostack credential is cut down to its hint (`sk_…wXyZ`).

export const CENSORED = '[redacted]';

const SECRET_WORDS = new Set(['authorization', 'cookie', 'password', 'secret', 'token', 'key']);
const CREDENTIAL = /\b(ak|sk|pk|mwt)_[0-9A-Za-z]{20,}/g;
const MAX_DEPTH = 8;

const verdicts = new Map<string, boolean>();

/**
 * Whether a field name holds a secret: one of its words (camelCase, snake_case, kebab-case) is
 * authorization, cookie, password, secret, token or key, or their plural — `apiKey`,
 * `x-api-key`, `set-cookie`, `accessToken` — but not `keyboard` or `monkey`.
 */
export function isSecretName(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .some((word) => SECRET_WORDS.has(word) || (word.endsWith('s') && SECRET_WORDS.has(word.slice(0, -1))));
    // Field names come from code, so this stays small; the bound is against a caller logging a map.
    if (verdicts.size < 1_000) verdicts.set(name, verdict);
  }
  return verdict;
}

/** `text` with every credential-shaped token replaced by its hint, e.g. `sk_…wXyZ`. */
export function maskCredentials(text: string): string {
  // Most strings are short and clean: skip the replace (and its copy) unless a prefix is present.
  if (text.length < 23 || !text.includes('_')) return text;
  return text.replace(CREDENTIAL, (match, prefix: string) => `${prefix}_…${match.slice(-4)}`);
}

/** A copy of `fields` that is safe to log (see the top of this file). Errors become plain objects. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return redactObject(fields, 0, new WeakSet());
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskCredentials(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return redactError(value, depth, seen);
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((item) => redactValue(item, depth + 1, seen));
  }
  // Dates, URLs, Buffers… serialise themselves; a credential inside one is not our case.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  return redactObject(value as Record<string, unknown>, depth, seen);
}

function redactObject(value: Record<string, unknown>, depth: number, seen: WeakSet<object>) {
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(value)) {
    out[name] = isSecretName(name) ? CENSORED : redactValue(value[name], depth + 1, seen);
  }
  return out;
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  seen.add(error);
  // JSON.stringify(error) is `{}`: keep what a reader needs, masked like any other string.
  const out: Record<string, unknown> = {
    type: error.name,
    message: maskCredentials(error.message),
    ...(error.stack ? { stack: maskCredentials(error.stack) } : {}),
    ...redactObject(error as unknown as Record<string, unknown>, depth, seen),
  };
  if (error.cause !== undefined) out.cause = redactValue(error.cause, depth + 1, seen);
  return out;
}
