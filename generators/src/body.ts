// Python and Dart take the fields of a JSON or multipart request body as keyword / named arguments.
import type { Field, Operation } from './model/index.js';

/**
 * The body fields to offer as separate arguments, or undefined when the body is not an
 * object or a field's name (in the target language) clashes with a parameter's: then the
 * method takes the whole body as one argument.
 */
export function flattenedBody(op: Operation, nameOf: (wireName: string) => string): Field[] | undefined {
  // Bytes have no fields; JSON and multipart bodies have the properties of their object.
  if (!op.body || op.body.kind === 'bytes' || op.body.fields.length === 0) return undefined;
  const { fields } = op.body;
  const taken = new Set(op.params.map((p) => nameOf(p.wireName)));
  return fields.some((f) => taken.has(nameOf(f.wireName))) ? undefined : fields;
}
