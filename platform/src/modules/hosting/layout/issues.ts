import type { FieldProblem } from '../../../http/problem.js';
import type { Position } from './locate.js';

/**
 * The problems found in one layout file, each located as `file:line:column`: errors refuse the
 * deployment, warnings (keys the platform does not use) travel back in its answer.
 */
export class LayoutIssues {
  readonly #errors: (FieldProblem & Position)[] = [];
  readonly #warnings: (FieldProblem & Position)[] = [];

  constructor(
    private readonly file: string,
    private readonly locate: (path: string) => Position,
  ) {}

  /** `aerostack.toml:7:1` for the key at `path` (a dotted path, `[n]` for array items). */
  at(path: string): string {
    return this.#format(this.locate(path));
  }

  /** The errors in the order of the file. */
  get errors(): FieldProblem[] {
    return inFileOrder(this.#errors);
  }

  get warnings(): FieldProblem[] {
    return inFileOrder(this.#warnings);
  }

  error(path: string, message: string): void {
    this.errorAt(this.locate(path), message);
  }

  errorAt(position: Position, message: string): void {
    this.#errors.push({ ...position, location: this.#format(position), message });
  }

  warn(path: string, message: string): void {
    const position = this.locate(path);
    this.#warnings.push({ ...position, location: this.#format(position), message });
  }

  #format({ line, column }: Position): string {
    return `${this.file}:${line}:${column}`;
  }
}

/** Sorted by line and column (stable: problems of one key keep the order they were found in). */
function inFileOrder(problems: (FieldProblem & Position)[]): FieldProblem[] {
  return [...problems]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .map(({ location, message }) => ({ location, message }));
}

export type Table = Record<string, unknown>;

export const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** The name of a value's type in a message: `a string`, `a table`… */
export function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (isTable(value)) return 'a table';
  if (typeof value === 'bigint') return 'an integer';
  return `a ${typeof value}`;
}

/** `path.key`, or `key` at the top. */
export const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Warns about each key of `table` outside `known` (a wrangler user expects a warning, not a failure). */
export function warnUnknown(
  issues: LayoutIssues,
  table: Table,
  path: string,
  known: readonly string[],
  ignored: readonly string[] = [],
): void {
  for (const key of Object.keys(table)) {
    if (known.includes(key)) continue;
    const where = join(path, key);
    issues.warn(
      where,
      ignored.includes(key)
        ? `\`${where}\` is a wrangler setting this platform does not use; it is ignored.`
        : `\`${where}\` is not a known key; it is ignored.`,
    );
  }
}

/** A string field: absent → undefined (an error when required), wrong type or pattern → an error. */
export function stringAt(
  issues: LayoutIssues,
  table: Table,
  path: string,
  key: string,
  rule: { required?: boolean; pattern?: RegExp; expect?: string; maxLength?: number } = {},
): string | undefined {
  const where = join(path, key);
  const value = table[key];
  if (value === undefined) {
    if (rule.required) issues.error(path, `\`${where}\` is required.`);
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.error(where, `\`${where}\` must be a string, not ${kindOf(value)}.`);
    return undefined;
  }
  if (rule.maxLength !== undefined && value.length > rule.maxLength) {
    issues.error(where, `\`${where}\` is longer than ${rule.maxLength} characters.`);
    return undefined;
  }
  if (rule.pattern && !rule.pattern.test(value)) {
    issues.error(
      where,
      `\`${where}\` ${rule.expect ?? `must match ${rule.pattern}`}; it is ${JSON.stringify(value)}.`,
    );
    return undefined;
  }
  return value;
}

/** A list of strings, each checked against `pattern`; absent → []. */
export function stringListAt(
  issues: LayoutIssues,
  table: Table,
  path: string,
  key: string,
  rule: { pattern?: RegExp; expect?: string; maxItems?: number } = {},
): string[] {
  const where = join(path, key);
  const value = table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.error(where, `\`${where}\` must be a list of strings, not ${kindOf(value)}.`);
    return [];
  }
  if (rule.maxItems !== undefined && value.length > rule.maxItems) {
    issues.error(where, `\`${where}\` holds more than ${rule.maxItems} items.`);
    return [];
  }
  const items: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string') {
      issues.error(where, `\`${where}[${i}]\` must be a string, not ${kindOf(item)}.`);
    } else if (rule.pattern && !rule.pattern.test(item)) {
      issues.error(
        where,
        `\`${where}[${i}]\` ${rule.expect ?? `must match ${rule.pattern}`}; it is ${JSON.stringify(item)}.`,
      );
    } else {
      items.push(item);
    }
  });
  return items;
}
