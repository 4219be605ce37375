import { ApiError } from './problem.js';

// Method + path → handler, for the spec's templates (`/v1/cache/{key}`). Paths without parameters
// are one map lookup; templated ones are tried among those with the same number of segments.
// Parameters are percent-decoded; the static segments compare as sent. A template may end in a
// tail parameter (`/fn/{projectId}/{worker}/{path*}`) that takes the rest of the path, any depth,
// for endpoints that proxy a whole subtree; it is tried only when no other template matches.

export interface RouteMatch<T> {
  handler: T;
  params: Record<string, string>;
}

interface Templated<T> {
  method: string;
  /** Per segment: the literal, or null for a parameter. */
  segments: Array<string | null>;
  names: string[];
  handler: T;
  /** The tail parameter's name, when the template ends in one (`{path*}`). */
  tail?: string;
}

function segmentsOf(path: string): string[] {
  return path.split('/');
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ApiError('request/malformed', 'The path has an invalid percent-encoding.');
  }
}

export class Router<T> {
  private readonly exact = new Map<string, T>();
  private readonly templated = new Map<number, Array<Templated<T>>>();
  private readonly tails: Array<Templated<T>> = [];
  private readonly all: Array<{ method: string; path: string }> = [];

  /** Registers `template`; a second route for the same method and template is an error. */
  add(method: string, template: string, handler: T): void {
    const key = `${method} ${template}`;
    if (this.all.some((r) => `${r.method} ${r.path}` === key)) {
      throw new Error(`the route ${key} is registered twice`);
    }
    this.all.push({ method, path: template });
    const parts = segmentsOf(template);
    const tail = /^\{(\w+)\*\}$/.exec(parts[parts.length - 1]!)?.[1];
    if (tail !== undefined) parts.pop();
    const names: string[] = [];
    const segments = parts.map((part) => {
      const param = /^\{(\w+)\}$/.exec(part);
      if (part.endsWith('*}')) throw new Error(`${template}: only the last segment may be a tail parameter`);
      if (!param) return part;
      names.push(param[1]!);
      return null;
    });
    if (tail !== undefined) {
      this.tails.push({ method, segments, names, handler, tail });
      return;
    }
    if (names.length === 0) {
      this.exact.set(key, handler);
      return;
    }
    const bucket = this.templated.get(segments.length) ?? [];
    bucket.push({ method, segments, names, handler });
    this.templated.set(segments.length, bucket);
  }

  /** Every registered route, in registration order. */
  get routes(): ReadonlyArray<{ method: string; path: string }> {
    return this.all;
  }

  /**
   * The handler for `method` at `path` (a HEAD is served by the GET route), or the methods that
   * the path does allow (empty when nothing is there).
   */
  match(method: string, path: string): RouteMatch<T> | { allowed: string[] } {
    const found = this.find(method, path) ?? (method === 'HEAD' ? this.find('GET', path) : undefined);
    if (found) return found;
    const allowed = new Set<string>();
    for (const route of this.all) {
      if (this.find(route.method, path)) allowed.add(route.method);
    }
    return { allowed: [...allowed] };
  }

  private find(method: string, path: string): RouteMatch<T> | undefined {
    const handler = this.exact.get(`${method} ${path}`);
    if (handler !== undefined) return { handler, params: {} };
    const parts = segmentsOf(path);
    for (const route of this.templated.get(parts.length) ?? []) {
      if (route.method !== method) continue;
      const values = matchSegments(route.segments, parts);
      if (!values) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decode(values[i]!);
      });
      return { handler: route.handler, params };
    }
    for (const route of this.tails) {
      if (route.method !== method || parts.length < route.segments.length) continue;
      const values = matchSegments(route.segments, parts);
      if (!values) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decode(values[i]!);
      });
      // As sent: decoding would make an escaped slash (`%2F`) a separator.
      params[route.tail!] = parts.slice(route.segments.length).join('/');
      return { handler: route.handler, params };
    }
    return undefined;
  }
}

function matchSegments(segments: Array<string | null>, parts: string[]): string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const expected = segments[i];
    const part = parts[i]!;
    if (expected === null) {
      if (part === '') return undefined;
      values.push(part);
    } else if (expected !== part) return undefined;
  }
  return values;
}
