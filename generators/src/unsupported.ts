// The one error every generator throws for a spec construct it cannot render faithfully.
// Refusing is the point: a construct the model skipped used to become a method that sent or
// returned nothing, which compiles, ships and fails only at runtime.

/** Where a refused construct sits; filled in from the inside out as the error bubbles up. */
export interface Where {
  /** `widgets.create (POST /v1/widgets)`, or a path when there is no operation. */
  operation?: string;
  /** `request body`, `response 200`, `query parameter limit`, … */
  location?: string;
  /** The innermost component schema the construct is in, e.g. `Widget`. */
  schema?: string;
  /** Properties from there, `[]` for array items and `{}` for map values: `owner.tags[]`. */
  property?: string[];
}

/** `['owner', 'tags', '[]']` → `owner.tags[]`. */
function propertyPath(segments: string[]): string {
  return segments.reduce((path, s) => (s === '[]' || s === '{}' || !path ? path + s : `${path}.${s}`), '');
}

function describe(where: Where): string {
  const inSchema = [
    where.schema && `schema ${where.schema}`,
    where.property && where.property.length > 0 && `property ${propertyPath(where.property)}`,
  ].filter(Boolean);
  return [where.operation, where.location, inSchema.join(', ')].filter(Boolean).join(': ');
}

/** A spec construct the generators refuse, with where it is and, for some, what is planned. */
export class UnsupportedError extends Error {
  constructor(
    /** What was refused: `media type text/event-stream`, `allOf of 2 schemas`, … */
    readonly construct: string,
    readonly where: Where = {},
    /** Said after the refusal, e.g. the issue that will lift it. */
    readonly note?: string,
  ) {
    const at = describe(where);
    super(
      `${at ? `${at}: ` : ''}${construct} is not supported by the generators yet${note ? ` (${note})` : ''}`,
    );
    this.name = 'UnsupportedError';
  }

  /** The same refusal with outer context added; what the inner code already knew wins. */
  within(outer: Where): UnsupportedError {
    return new UnsupportedError(this.construct, { ...outer, ...this.where }, this.note);
  }

  /** The same refusal one property (or `[]`, `{}`) further out, until a component schema names it. */
  under(segment: string): UnsupportedError {
    if (this.where.schema) return this;
    const where = { ...this.where, property: [segment, ...(this.where.property ?? [])] };
    return new UnsupportedError(this.construct, where, this.note);
  }
}

/** How a refusal names an operation: `widgets.create (POST /v1/widgets)`. */
export function operationLabel(id: string, method: string, path: string): string {
  return `${id} (${method.toUpperCase()} ${path})`;
}

/** Runs `read`, adding `outer` to any refusal it throws. */
export function within<T>(outer: Where, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof UnsupportedError ? error.within(outer) : error;
  }
}

/** Runs `read`, placing any refusal it throws one property (or `[]`, `{}`) further out. */
export function under<T>(segment: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof UnsupportedError ? error.under(segment) : error;
  }
}
