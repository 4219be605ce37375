// Python and Dart take a request body's fields as keyword / named arguments.
import type { Field, Operation } from './model/index.js';

/**
 * The body fields to offer as separate arguments, or undefined when the body is not an
 * object or a field's name (in the target language) clashes with a parameter's: then the
 * method takes the whole body as one argument.
 */
export function flattenedBody(op: Operation, nameOf: (wireName: string) => string): Field[] | undefined {
  if (!op.body || op.body.fields.length === 0) return undefined;
  const taken = new Set(op.params.map((p) => nameOf(p.wireName)));
  return op.body.fields.some((f) => taken.has(nameOf(f.wireName))) ? undefined : op.body.fields;
}
