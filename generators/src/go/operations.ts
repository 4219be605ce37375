// One Go file per top-level namespace: its service types, their methods, and the
// params structs of operations that take query or header parameters.
import { descendants, type Namespace, type Operation, type Param } from '../model/index.js';
import { textLines, thirdPerson } from '../naming.js';
import { goName, goParam } from './naming.js';
import { goType, optionalGoType } from './types.js';

/** `ProjectsKeysService` for the namespace `projects.keys`. */
export function serviceName(ns: Namespace): string {
  return `${goName(ns.path.join('.'))}Service`;
}

const paramsName = (op: Operation) => `${goName(op.id)}Params`;
const optionParams = (op: Operation) => op.params.filter((p) => p.location !== 'path');
const pathParams = (op: Operation) => op.params.filter((p) => p.location === 'path');

/** Optional header strings are plain strings (empty means unset); other optional params are pointers. */
function paramType(p: Param): string {
  if (p.required) return goType(p.type);
  return p.location === 'header' && p.type.kind === 'string' ? 'string' : optionalGoType(p.type);
}

function renderPath(op: Operation): string {
  const parts = op.path.split(/(\{[^}]+\})/).filter((s) => s.length > 0);
  return parts
    .map((part) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (!name) return JSON.stringify(part);
      const param = op.params.find((p) => p.location === 'path' && p.wireName === name);
      const value = param?.type.kind === 'string' ? goParam(name) : `formatParam(${goParam(name)})`;
      return `url.PathEscape(${value})`;
    })
    .join(' + ');
}

function setParam(p: Param): string[] {
  const target = p.location === 'query' ? 'r.query' : 'r.header';
  const field = `params.${goName(p.wireName)}`;
  const type = paramType(p);
  const value = (v: string) => (p.type.kind === 'string' ? v : `formatParam(${v})`);
  if (p.required) return [`\t${target}.Set(${JSON.stringify(p.wireName)}, ${value(field)})`];
  const check = type === 'string' ? `${field} != ""` : `${field} != nil`;
  const deref = type.startsWith('*') ? `*${field}` : field;
  return [`\tif ${check} {`, `\t\t${target}.Set(${JSON.stringify(p.wireName)}, ${value(deref)})`, '\t}'];
}

function signature(op: Operation): { args: string[]; result: string } {
  const args = [
    'ctx context.Context',
    ...pathParams(op).map((p) => `${goParam(p.wireName)} ${goType(p.type)}`),
  ];
  if (op.body) args.push(`body ${op.body.required ? goType(op.body.type) : optionalGoType(op.body.type)}`);
  if (optionParams(op).length > 0) args.push(`params *${paramsName(op)}`);
  // No content (204): the method returns only the error.
  if (op.response.kind === 'empty') return { args, result: 'error' };
  const type = op.response.type;
  const result = type.kind === 'named' ? `(*${goType(type)}, error)` : `(${goType(type)}, error)`;
  return { args, result };
}

function callExample(op: Operation): string {
  const args = ['ctx', ...pathParams(op).map((p) => goParam(p.wireName))];
  if (op.body) args.push(op.body.required ? `aerostack.${goType(op.body.type)}{}` : 'nil');
  if (optionParams(op).length > 0) args.push('nil');
  const call = `client.${op.namespace.map(goName).join('.')}.${goName(op.name)}(${args.join(', ')})`;
  return op.response.kind === 'json' ? `res, err := ${call}` : `err := ${call}`;
}

function methodDoc(op: Operation, method: string): string[] {
  const lines = [`${method} ${op.summary ? thirdPerson(op.summary) : `calls ${op.id}.`}`];
  const description = textLines(op.description);
  if (description.length > 0) lines.push('', ...description);
  lines.push('', `${op.method} ${op.path}`, '', `\t${callExample(op)}`);
  if (op.deprecated) lines.push('', 'Deprecated: this operation will be removed in a future version.');
  return lines.map((l) => `//${l ? ` ${l}` : ''}`);
}

function renderMethod(ns: Namespace, op: Operation): string[] {
  const method = goName(op.name);
  const { args, result } = signature(op);
  const fields = [
    `method: http.Method${op.method.charAt(0)}${op.method.slice(1).toLowerCase()}`,
    `path: ${renderPath(op)}`,
    'query: url.Values{}',
    'header: http.Header{}',
    `auth: ${op.auth}`,
  ];
  if (op.body?.required) fields.push('body: body');
  // The transport sends application/json unless told otherwise (merge-patch+json, …).
  if (op.body && op.body.mediaType !== 'application/json') {
    fields.push(`contentType: ${JSON.stringify(op.body.mediaType)}`);
  }
  const lines = [
    ...methodDoc(op, method),
    `func (s *${serviceName(ns)}) ${method}(${args.join(', ')}) ${result} {`,
    `\tr := &request{${fields.join(', ')}}`,
  ];
  if (op.body && !op.body.required) lines.push('\tif body != nil {', '\t\tr.body = body', '\t}');
  const options = optionParams(op);
  if (options.length > 0) {
    lines.push('\tif params == nil {', `\t\tparams = &${paramsName(op)}{}`, '\t}');
    lines.push(...options.flatMap(setParam));
  }
  if (op.response.kind === 'empty') {
    lines.push('\treturn s.t.do(ctx, r, nil)', '}');
    return lines;
  }
  const named = op.response.type.kind === 'named';
  lines.push(
    `\tvar out ${goType(op.response.type)}`,
    '\tif err := s.t.do(ctx, r, &out); err != nil {',
    `\t\treturn ${named ? 'nil' : 'out'}, err`,
    '\t}',
    `\treturn ${named ? '&out' : 'out'}, nil`,
    '}',
  );
  return lines;
}

function renderPager(ns: Namespace, op: Operation): string[] {
  if (!op.pagination) return [];
  const method = `${goName(op.name)}All`;
  const item = goType(op.pagination.item);
  const path = pathParams(op).map((p) => goParam(p.wireName));
  const args = [
    ...pathParams(op).map((p) => `${goParam(p.wireName)} ${goType(p.type)}`),
    `params *${paramsName(op)}`,
  ];
  const call = `client.${op.namespace.map(goName).join('.')}.${method}(${[...path, 'nil'].join(', ')})`;
  return [
    `// ${method} iterates over every item of ${goName(op.name)}, fetching pages as it goes.`,
    '//',
    `//\tit := ${call}`,
    '//\tfor it.Next(ctx) {',
    '//\t\titem := it.Current()',
    '//\t}',
    '//\tif err := it.Err(); err != nil {',
    '//\t\treturn err',
    '//\t}',
    `func (s *${serviceName(ns)}) ${method}(${args.join(', ')}) *Pager[${item}] {`,
    `\tp := ${paramsName(op)}{}`,
    '\tif params != nil {',
    '\t\tp = *params',
    '\t}',
    `\treturn newPager(p.Cursor, func(ctx context.Context, cursor *string) ([]${item}, *string, error) {`,
    '\t\tp.Cursor = cursor',
    `\t\tpage, err := s.${goName(op.name)}(${['ctx', ...path, '&p'].join(', ')})`,
    '\t\tif err != nil {',
    '\t\t\treturn nil, nil, err',
    '\t\t}',
    '\t\treturn page.Data, page.NextCursor, nil',
    '\t})',
    '}',
  ];
}

function renderParams(op: Operation): string[] {
  const options = optionParams(op);
  if (options.length === 0) return [];
  const method = `${op.namespace.map(goName).join('.')}.${goName(op.name)}`;
  return [
    `// ${paramsName(op)} holds the query and header parameters of ${method}.`,
    `type ${paramsName(op)} struct {`,
    ...options.flatMap((p) => [
      ...textLines(p.description).map((l) => `\t//${l ? ` ${l}` : ''}`),
      `\t${goName(p.wireName)} ${paramType(p)}`,
    ]),
    '}',
  ];
}

function renderService(ns: Namespace): string[] {
  const name = serviceName(ns);
  const area = ns.path.join('.');
  const lines = [`// ${name} groups the ${area} operations.${ns.description ? ` ${ns.description}` : ''}`];
  lines.push(`type ${name} struct {`);
  for (const child of ns.children) {
    lines.push(`\t${goName(child.path[child.path.length - 1] ?? '')} *${serviceName(child)}`);
  }
  lines.push('', '\tt *transport', '}');
  return lines;
}

/** The Go source of one top-level namespace and everything below it. */
export function renderNamespaceFile(top: Namespace): string {
  const blocks: string[][] = [];
  for (const ns of [top, ...descendants(top)]) {
    blocks.push(renderService(ns));
    for (const op of ns.operations) {
      blocks.push(renderMethod(ns, op), renderPager(ns, op), renderParams(op));
    }
  }
  const body = blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n');
  const imports = ['context', 'net/http', 'net/url', ...(body.includes('time.Time') ? ['time'] : [])];
  return ['package aerostack', '', 'import (', ...imports.map((i) => `\t"${i}"`), ')', '', body].join('\n');
}

/** The expression that builds a namespace's service, children included. */
export function serviceValue(ns: Namespace, indent: string): string {
  const children = ns.children.map(
    (c) => `${indent}\t${goName(c.path[c.path.length - 1] ?? '')}: ${serviceValue(c, `${indent}\t`)},`,
  );
  return children.length === 0
    ? `&${serviceName(ns)}{t: t}`
    : [`&${serviceName(ns)}{`, ...children, `${indent}\tt: t,`, `${indent}}`].join('\n');
}
