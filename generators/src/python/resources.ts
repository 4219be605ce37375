// One module per top-level namespace under aerostack/resources/: a class per namespace
// with a method per operation. Body fields become keyword arguments.
import { flattenedBody } from '../body.js';
import { type ApiModel, descendants, type Namespace, type Operation } from '../model/index.js';
import { pascalCase, textLines } from '../naming.js';
import { orderedFields, typingImports } from './models.js';
import { pyCall, pyClass, pyDocstring, pyImport, pyName } from './naming.js';
import { fromJson, pyOptionalType, pyType, toJson } from './types.js';

/** `ProjectsKeysResource` for the namespace `projects.keys`. */
export function resourceName(ns: Namespace): string {
  return `${pascalCase(ns.path.join('.'))}Resource`;
}

interface Argument {
  name: string;
  hint: string;
  required: boolean;
}

function argumentsOf(op: Operation): { positional: Argument[]; keyword: Argument[] } {
  const positional: Argument[] = [];
  const keyword: Argument[] = [];
  for (const p of op.params.filter((q) => q.location === 'path')) {
    positional.push({ name: pyName(p.wireName), hint: pyType(p.type), required: true });
  }
  const fields = flattenedBody(op, pyName);
  if (fields) {
    const ordered = orderedFields({ kind: 'object', name: '', fields });
    for (const f of ordered) {
      const required = f.required && op.body?.required === true;
      const arg = {
        name: pyName(f.wireName),
        hint: required ? pyType(f.type) : pyOptionalType(f.type),
        required,
      };
      (required ? positional : keyword).push(arg);
    }
  } else if (op.body) {
    const arg = { name: 'body', hint: pyType(op.body.type), required: op.body.required };
    (op.body.required ? positional : keyword).push(
      op.body.required ? arg : { ...arg, hint: pyOptionalType(op.body.type) },
    );
  }
  for (const p of op.params.filter((q) => q.location !== 'path')) {
    const arg = {
      name: pyName(p.wireName),
      hint: p.required ? pyType(p.type) : pyOptionalType(p.type),
      required: p.required,
    };
    keyword.push(arg);
  }
  // Required keyword-only arguments first, as a reader expects.
  return {
    positional,
    keyword: [...keyword.filter((a) => a.required), ...keyword.filter((a) => !a.required)],
  };
}

function signatureArgs(op: Operation, drop: string[] = []): string[] {
  const { positional, keyword } = argumentsOf(op);
  const keep = (a: Argument) => !drop.includes(a.name);
  const render = (a: Argument) => (a.required ? `${a.name}: ${a.hint}` : `${a.name}: ${a.hint} = None`);
  const kw = keyword.filter(keep).map(render);
  return ['self', ...positional.filter(keep).map(render), ...(kw.length > 0 ? ['*', ...kw] : [])];
}

function renderPath(op: Operation): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => `{path_param(${pyName(name)})}`);
  return path.includes('{') ? `f${JSON.stringify(path)}` : JSON.stringify(path);
}

function renderBody(model: ApiModel, op: Operation): string[] {
  if (!op.body) return [];
  const fields = flattenedBody(op, pyName);
  if (!fields) return [`        json_body = ${toJson(model, op.body.type, 'body', !op.body.required)}`];
  const required = op.body.required;
  const always = required ? fields.filter((f) => f.required) : [];
  const entries = always.map(
    (f) => `            ${JSON.stringify(f.wireName)}: ${toJson(model, f.type, pyName(f.wireName))},`,
  );
  const lines =
    entries.length > 0
      ? ['        json_body: Dict[str, Any] = {', ...entries, '        }']
      : ['        json_body: Dict[str, Any] = {}'];
  for (const f of fields.filter((g) => !always.includes(g))) {
    lines.push(
      `        if ${pyName(f.wireName)} is not None:`,
      `            json_body[${JSON.stringify(f.wireName)}] = ${toJson(model, f.type, pyName(f.wireName))}`,
    );
  }
  return lines;
}

function callExample(op: Operation): string {
  const { positional } = argumentsOf(op);
  const call = `client.${op.namespace.map(pyName).join('.')}.${pyName(op.name)}(${positional.map((a) => a.name).join(', ')})`;
  return op.response.kind === 'json' ? `result = ${call}` : call;
}

function renderMethod(model: ApiModel, op: Operation): string[] {
  const name = pyName(op.name);
  // No content (204): the method returns None.
  const returns = op.response.kind === 'json' ? pyType(op.response.type) : 'None';
  const doc = [
    ...(op.summary ? [`${op.summary.replace(/\.$/, '')}.`] : [`Call ${op.id}.`]),
    ...(op.description ? ['', ...textLines(op.description)] : []),
    '',
    `\`\`${op.method} ${op.path}\`\`.${op.deprecated ? ' Deprecated.' : ''}`,
    '',
    'Example::',
    '',
    `    ${callExample(op)}`,
  ];
  const query = op.params.filter((p) => p.location === 'query');
  const headers = op.params.filter((p) => p.location === 'header');
  const request = [JSON.stringify(op.method), renderPath(op)];
  if (query.length > 0) {
    request.push(
      `params={${query.map((p) => `${JSON.stringify(p.wireName)}: ${toJson(model, p.type, pyName(p.wireName), !p.required)}`).join(', ')}}`,
    );
  }
  if (headers.length > 0) {
    request.push(
      `headers={${headers.map((p) => `${JSON.stringify(p.wireName)}: ${pyName(p.wireName)}`).join(', ')}}`,
    );
  }
  // An optional object body with nothing set is not sent at all.
  if (op.body) {
    request.push(
      op.body.required || !flattenedBody(op, pyName) ? 'json=json_body' : 'json=json_body or None',
    );
    // The transport sends application/json unless told otherwise (merge-patch+json, …).
    if (op.body.mediaType !== 'application/json') {
      request.push(`content_type=${JSON.stringify(op.body.mediaType)}`);
    }
  }
  request.push(`auth=${op.auth ? 'True' : 'False'}`);
  const lines = [
    ...pyCall('    ', `def ${name}`, signatureArgs(op), ` -> ${returns}:`),
    ...pyDocstring('        ', doc),
    ...renderBody(model, op),
  ];
  if (op.response.kind === 'empty') {
    return [...lines, ...pyCall('        ', 'self._transport.request', request)];
  }
  return [
    ...lines,
    ...pyCall('        ', 'data = self._transport.request', request),
    `        return ${fromJson(model, op.response.type, 'data')}`,
  ];
}

function renderPager(op: Operation): string[] {
  if (!op.pagination) return [];
  const name = `${pyName(op.name)}_all`;
  const args = signatureArgs(op, ['cursor']);
  const { positional, keyword } = argumentsOf(op);
  const pass = [...positional.map((a) => a.name), ...keyword.map((a) => `${a.name}=${a.name}`)];
  const example = `client.${op.namespace.map(pyName).join('.')}.${name}(${positional.map((a) => a.name).join(', ')})`;
  return [
    ...pyCall('    ', `def ${name}`, args, ` -> Iterator[${pyType(op.pagination.item)}]:`),
    ...pyDocstring('        ', [
      `Iterate over every item of :meth:\`${pyName(op.name)}\`, fetching pages as needed.`,
      '',
      'Example::',
      '',
      `    for item in ${example}:`,
      '        print(item)',
    ]),
    ...pyCall('        ', `return paginate(lambda cursor: self.${pyName(op.name)}`, pass, ')'),
  ];
}

function renderResource(model: ApiModel, ns: Namespace): string[] {
  const lines = [
    `class ${resourceName(ns)}:`,
    ...pyDocstring('    ', [
      `The \`\`${ns.path.join('.')}\`\` operations.${ns.description ? ` ${ns.description}` : ''}`,
    ]),
    '',
    '    def __init__(self, transport: Transport) -> None:',
    '        self._transport = transport',
    ...ns.children.map(
      (c) => `        self.${pyName(c.path[c.path.length - 1] ?? '')} = ${resourceName(c)}(transport)`,
    ),
  ];
  for (const op of ns.operations) lines.push('', ...renderMethod(model, op));
  for (const op of ns.operations) {
    const pager = renderPager(op);
    if (pager.length > 0) lines.push('', ...pager);
  }
  return lines;
}

/** The module of one top-level namespace; children first so the parent can build them. */
export function renderResourceModule(model: ApiModel, top: Namespace): string {
  const all = [top, ...descendants(top)].reverse();
  const body = all.map((ns) => renderResource(model, ns).join('\n')).join('\n\n\n');
  const typing = typingImports(body, ['Any', 'Dict', 'Iterator', 'List', 'Optional']);
  const used = model.types.map((t) => pyClass(t.name)).filter((n) => new RegExp(`\\b${n}\\b`).test(body));
  const serde = ['format_datetime', 'parse_datetime', 'path_param'].filter((f) => body.includes(`${f}(`));
  return [
    `"""The \`\`${top.path[0]}\`\` namespace of the client."""`,
    '',
    'from __future__ import annotations',
    '',
    ...(/\bdatetime\b/.test(body) ? ['from datetime import datetime'] : []),
    ...(typing.length > 0 ? [`from typing import ${typing.join(', ')}`] : []),
    '',
    ...(body.includes('paginate(') ? ['from .._pagination import paginate'] : []),
    ...(serde.length > 0 ? [`from .._serde import ${serde.join(', ')}`] : []),
    'from .._transport import Transport',
    ...(used.length > 0 ? pyImport('..models', used) : []),
    '',
    '',
    body,
  ].join('\n');
}
