// Path, query and header parameters: the one way each client writes them is a scalar value in
// the location's default style, so cookies, `content`, other styles and structured values are
// refused rather than written in a form the server does not expect.
import { pascalCase } from '../naming.js';
import { type OpenApiDocument, type Parameter, resolveRef } from '../spec.js';
import { UnsupportedError, within } from '../unsupported.js';
import type { SchemaResolver } from './schemas.js';
import type { Param, TypeRef } from './types.js';

/** OpenAPI's default style per location: the only one the clients write. */
const DEFAULT_STYLE: Record<string, string> = { path: 'simple', query: 'form', header: 'simple' };

function merge(doc: OpenApiDocument, shared: Parameter[], own: Parameter[]): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of [...shared, ...own].map((q) => resolveRef(doc, q))) byKey.set(`${p.in}:${p.name}`, p);
  return [...byKey.values()];
}

function refusedSerialisation(p: Parameter): string | undefined {
  if (p.in === 'cookie') return 'a cookie parameter';
  if (p.content) return 'a parameter with content instead of schema';
  if (!p.schema) return 'a parameter without a schema';
  if (p.style !== undefined && p.style !== DEFAULT_STYLE[p.in]) return `style ${p.style}`;
  // explode only changes how arrays and objects are written: see refusedType.
  if (p.allowReserved) return 'allowReserved (the clients percent-encode every value)';
  return undefined;
}

/** A string, number, boolean, time or string enum: what every client can write as text. */
function refusedScalar(resolver: SchemaResolver, type: TypeRef): string | undefined {
  switch (type.kind) {
    case 'array':
      return 'an array value';
    case 'map':
      return 'an object value';
    case 'any':
      return 'a value of no single type';
    case 'nullable':
      return 'a null value';
    case 'named':
      return resolver.types.get(type.name)?.kind === 'enum' ? undefined : 'an object value';
    default:
      return undefined;
  }
}

/**
 * A scalar; in a query, also an array of scalars written as the parameter repeated
 * (`tag=a&tag=b`: style form, explode true, the defaults).
 */
function refusedType(resolver: SchemaResolver, type: TypeRef, p: Parameter): string | undefined {
  if (type.kind !== 'array' || p.in !== 'query') return refusedScalar(resolver, type);
  if (p.explode === false) return 'an array value with explode: false (the clients repeat the parameter)';
  const inner = refusedScalar(resolver, type.items);
  return inner && `an array of ${inner.replace(/^an? /, '')}s`;
}

function readParam(resolver: SchemaResolver, hint: string, p: Parameter): Param {
  return within({ location: `${p.in} parameter ${p.name}` }, () => {
    const refused = refusedSerialisation(p);
    if (refused) throw new UnsupportedError(refused);
    const type = resolver.typeOf(p.schema ?? {}, `${hint}${pascalCase(p.name)}`);
    const refusedValue = refusedType(resolver, type, p);
    if (refusedValue) throw new UnsupportedError(refusedValue);
    return {
      wireName: p.name,
      location: p.in as Param['location'],
      type,
      required: p.in === 'path' || p.required === true,
      description: p.description,
    };
  });
}

/** A template variable without a path parameter, or a path parameter the template lacks. */
function templateMismatch(path: string, params: Param[]): string | undefined {
  const variables = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? '');
  const declared = params.filter((p) => p.location === 'path').map((p) => p.wireName);
  const missing = variables.find((v) => !declared.includes(v));
  if (missing) return `{${missing}} in the path is not declared as a path parameter`;
  const extra = declared.find((d) => !variables.includes(d));
  return extra && `path parameter ${extra} is not in the path`;
}

function order(path: string, params: Param[]): Param[] {
  const pathOrder = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const rank = (p: Param) =>
    p.location === 'path' ? pathOrder.indexOf(p.wireName) : p.location === 'query' ? 1000 : 2000;
  return params
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

/** The parameters of an operation: path ones in path order, then query, then header ones. */
export function readParams(
  doc: OpenApiDocument,
  resolver: SchemaResolver,
  at: { path: string; label: string; hint: string },
  parameters: { shared: Parameter[]; own: Parameter[] },
): Param[] {
  const params = merge(doc, parameters.shared, parameters.own).map((p) => readParam(resolver, at.hint, p));
  const mismatch = templateMismatch(at.path, params);
  if (mismatch) throw new Error(`${at.label}: ${mismatch}`);
  return order(at.path, params);
}
