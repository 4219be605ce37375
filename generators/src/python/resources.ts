// One module per top-level namespace under aerostack/resources/: for each namespace a sync and
// an async resource class (a method per operation) and their `with_raw_response` views.
// Path parameters are positional; everything else is keyword-only, and optional arguments
// default to NOT_GIVEN so that leaving one out and passing None stay different.
import { type ApiModel, descendants, type Namespace, type Operation, type TypeRef } from '../model/index.js';
import { pascalCase, textLines } from '../naming.js';
import { runtimeModule, typingImports } from './models.js';
import { pyCall, pyClass, pyDocstring, pyImport, pyName } from './naming.js';
import { pyArgType, pyType } from './types.js';

type Mode = 'sync' | 'async';
type Target = 'api' | 'fixtures';

/** `ProjectsKeysResource` / `AsyncProjectsKeysResource` for the namespace `projects.keys`. */
export function resourceName(ns: Namespace, mode: Mode = 'sync', suffix = ''): string {
  return `${mode === 'async' ? 'Async' : ''}${pascalCase(ns.path.join('.'))}Resource${suffix}`;
}

/** The per-call options every method takes last. */
const CALL_OPTIONS = ['extra_headers', 'extra_query', 'extra_body', 'timeout'];

export interface Argument {
  /** The Python name. */
  name: string;
  /** The wire name (`''` for the whole body or the content). */
  wire: string;
  where: 'path' | 'query' | 'header' | 'field' | 'body' | 'content' | 'part';
  type?: TypeRef;
  required: boolean;
}

function bodyKind(op: Operation): 'json' | 'bytes' | 'multipart' | undefined {
  if (!op.body) return undefined;
  return (op.body as { kind?: 'json' | 'bytes' | 'multipart' }).kind ?? 'json';
}

function bodyFields(op: Operation) {
  const body = op.body as { fields?: import('../model/index.js').Field[] } | undefined;
  return body?.fields ?? [];
}

/** A parameter's argument name, clear of the per-call options (`timeout` → `timeout_`). */
function argName(wireName: string): string {
  const name = pyName(wireName);
  return CALL_OPTIONS.includes(name) || name === 'content' || name === 'body' ? `${name}_` : name;
}

/** The arguments of an operation's method, in signature order. */
export function argumentsOf(op: Operation): Argument[] {
  const path: Argument[] = op.params
    .filter((p) => p.location === 'path')
    .map((p) => ({
      name: argName(p.wireName),
      wire: p.wireName,
      where: 'path',
      type: p.type,
      required: true,
    }));
  const params: Argument[] = op.params
    .filter((p) => p.location !== 'path')
    .map((p) => ({
      name: argName(p.wireName),
      wire: p.wireName,
      where: p.location as 'query' | 'header',
      type: p.type,
      required: p.required,
    }));
  const taken = new Set([...path, ...params].map((a) => a.name).concat(CALL_OPTIONS, ['self']));
  const body: Argument[] = [];
  const kind = bodyKind(op);
  const required = op.body?.required === true;
  if (kind === 'bytes') {
    body.push({ name: 'content', wire: '', where: 'content', required });
  } else if (kind === 'multipart' || kind === 'json') {
    const fields = bodyFields(op);
    const clash = fields.some((f) => taken.has(pyName(f.wireName)));
    if (fields.length > 0 && !clash) {
      for (const f of fields) {
        body.push({
          name: pyName(f.wireName),
          wire: f.wireName,
          where: kind === 'multipart' ? 'part' : 'field',
          type: f.type,
          required: required && f.required,
        });
      }
    } else if (kind === 'json') {
      const type = (op.body as { type: TypeRef }).type;
      body.push({ name: 'body', wire: '', where: 'body', type, required });
    } else {
      throw new Error(`${op.id}: a multipart field clashes with a parameter in the Python client`);
    }
  }
  const keyword = [...body, ...params];
  return [...path, ...keyword.filter((a) => a.required), ...keyword.filter((a) => !a.required)];
}

function hintOf(arg: Argument, mode: Mode): string {
  const base =
    arg.where === 'content'
      ? mode === 'async'
        ? 'AsyncContent'
        : 'SyncContent'
      : pyArgType(arg.type ?? { kind: 'any' });
  // Headers and queries cannot say null: an optional one is left out.
  return arg.required ? base : `Union[${base}, NotGiven]`;
}

function signature(op: Operation, mode: Mode, drop: string[] = []): string[] {
  const args = argumentsOf(op).filter((a) => !drop.includes(a.name));
  const positional = args.filter((a) => a.where === 'path').map((a) => `${a.name}: ${hintOf(a, mode)}`);
  const keyword = args
    .filter((a) => a.where !== 'path')
    .map((a) => (a.required ? `${a.name}: ${hintOf(a, mode)}` : `${a.name}: ${hintOf(a, mode)} = NOT_GIVEN`));
  return [
    'self',
    ...positional,
    '*',
    ...keyword,
    '# Per-call options: extra headers (None removes one), query and body entries, timeout.',
    'extra_headers: Optional[Headers] = None',
    'extra_query: Optional[Query] = None',
    'extra_body: Optional[Body] = None',
    'timeout: Union[Timeout, NotGiven] = NOT_GIVEN',
  ];
}

/** A multi-line `def` (ruff formats it); comments are kept on their own line. */
function renderDef(indent: string, head: string, args: string[], returns: string): string[] {
  return [
    `${indent}${head}(`,
    ...args.map((a) => (a.startsWith('#') ? `${indent}    ${a}` : `${indent}    ${a},`)),
    `${indent}) -> ${returns}:`,
  ];
}

function eventsType(op: Operation): string {
  if (op.response.kind !== 'events') return 'object';
  const types = [...new Set(op.response.events.map((e) => pyType(e.type)))];
  return types.length === 1 ? (types[0] ?? 'object') : `Union[${types.join(', ')}]`;
}

/** What the method returns. */
function returnType(op: Operation, mode: Mode): string {
  const r = op.response;
  switch (r.kind) {
    case 'json':
      return pyType(r.type);
    case 'empty':
      return 'None';
    case 'events':
      return `${mode === 'async' ? 'AsyncStream' : 'Stream'}[${eventsType(op)}]`;
    case 'bytes':
      return mode === 'async' ? 'AsyncBinaryResponse' : 'BinaryResponse';
  }
}

function renderPath(op: Operation): string {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => `{path_param(${argName(name)})}`);
  return path.includes('{') ? `f${JSON.stringify(path)}` : JSON.stringify(path);
}

function dict(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`;
}

function requestOptions(op: Operation): string[] {
  const args = argumentsOf(op);
  const out = [JSON.stringify(op.method), renderPath(op)];
  const query = args.filter((a) => a.where === 'query');
  const headers = args.filter((a) => a.where === 'header');
  if (query.length > 0) out.push(`query=${dict(query.map((a) => [a.wire, a.name]))}`);
  if (headers.length > 0) out.push(`headers=${dict(headers.map((a) => [a.wire, a.name]))}`);
  const fields = args.filter((a) => a.where === 'field');
  const parts = args.filter((a) => a.where === 'part');
  const body = args.find((a) => a.where === 'body' || a.where === 'content');
  if (fields.length > 0) {
    const json = `strip_not_given(${dict(fields.map((a) => [a.wire, a.name]))})`;
    out.push(op.body?.required ? `json=${json}` : `json=${json} or NOT_GIVEN`);
  } else if (parts.length > 0) {
    out.push(`multipart=${dict(parts.map((a) => [a.wire, a.name]))}`);
  } else if (body) {
    out.push(`${body.where === 'content' ? 'content' : 'json'}=${body.name}`);
  }
  const mediaType = op.body?.mediaType;
  const kind = bodyKind(op);
  if (mediaType && ((kind === 'json' && mediaType !== 'application/json') || kind === 'bytes')) {
    if (!(kind === 'bytes' && mediaType === 'application/octet-stream')) {
      out.push(`content_type=${JSON.stringify(mediaType)}`);
    }
  }
  if (op.response.kind === 'bytes') {
    out.push(`accept=${JSON.stringify([...op.response.mediaTypes, 'application/problem+json'].join(', '))}`);
  }
  out.push(`auth=${op.auth ? 'True' : 'False'}`);
  if (op.idempotencyKey) out.push('idempotency_key=True');
  out.push(
    'extra_headers=extra_headers',
    'extra_query=extra_query',
    'extra_body=extra_body',
    'timeout=timeout',
  );
  return out;
}

function callExample(op: Operation, mode: Mode, name = pyName(op.name)): string {
  const args = argumentsOf(op).filter((a) => a.required);
  const rendered = args.map((a) => (a.where === 'path' ? a.name : `${a.name}=${a.name}`));
  const call = `${mode === 'async' ? 'await ' : ''}client.${op.namespace.map(pyName).join('.')}.${name}(${rendered.join(', ')})`;
  return op.response.kind === 'empty' ? call : `result = ${call}`;
}

function renderMethod(op: Operation, mode: Mode): string[] {
  const name = pyName(op.name);
  const returns = returnType(op, mode);
  const doc = [
    ...(op.summary ? [`${op.summary.replace(/\.$/, '')}.`] : [`Call ${op.id}.`]),
    ...(op.description ? ['', ...textLines(op.description)] : []),
    '',
    `\`\`${op.method} ${op.path}\`\`.${op.deprecated ? ' Deprecated.' : ''}`,
    '',
    'Example::',
    '',
    `    ${callExample(op, mode)}`,
  ];
  const options = pyCall('', 'RequestOptions', requestOptions(op)).join('\n');
  const aw = mode === 'async' ? 'await ' : '';
  let call: string;
  switch (op.response.kind) {
    case 'json':
      call = `${aw}self._client.request(${pyType(op.response.type)}, ${options})`;
      break;
    case 'empty':
      call = `${aw}self._client.request(None, ${options})`;
      break;
    case 'events': {
      const types = op.response.events.map((e) => `${JSON.stringify(e.name)}: ${pyType(e.type)}`);
      // Without a Last-Event-ID to take, the operation cannot resume: a new request would start
      // over (an AI generation), so its stream is never reconnected.
      const resumable = op.params.some(
        (p) => p.location === 'header' && p.wireName.toLowerCase() === 'last-event-id',
      );
      call = `${aw}self._client.request_events({${types.join(', ')}}, ${options}${resumable ? '' : ', resumable=False'})`;
      break;
    }
    case 'bytes':
      call = `${aw}self._client.request_bytes(${options}, statuses=(${op.response.statuses.join(', ')}${op.response.statuses.length === 1 ? ',' : ''}))`;
      break;
  }
  const body =
    op.response.kind === 'empty'
      ? [`        ${call.split('\n').join('\n        ')}`]
      : [`        return cast(${JSON.stringify(returns)}, ${call.split('\n').join('\n        ')})`];
  return [
    ...renderDef('    ', `${mode === 'async' ? 'async ' : ''}def ${name}`, signature(op, mode), returns),
    ...pyDocstring('        ', doc),
    ...body,
  ];
}

function renderPager(op: Operation, mode: Mode): string[] {
  if (!op.pagination) return [];
  const name = `${pyName(op.name)}_all`;
  const args = argumentsOf(op).filter((a) => a.name !== 'cursor');
  const pass = args.map((a) => (a.where === 'path' ? a.name : `${a.name}=${a.name}`));
  pass.push('cursor=NOT_GIVEN if cursor is None else cursor');
  pass.push(
    'extra_headers=extra_headers',
    'extra_query=extra_query',
    'extra_body=extra_body',
    'timeout=timeout',
  );
  const item = pyType(op.pagination.item);
  const pager = mode === 'async' ? 'AsyncPager' : 'SyncPager';
  const loop = mode === 'async' ? 'async for' : 'for';
  return [
    ...renderDef('    ', `def ${name}`, signature(op, mode, ['cursor']), `${pager}[${item}]`),
    ...pyDocstring('        ', [
      `Every item of :meth:\`${pyName(op.name)}\`, fetching pages as the iteration needs them.`,
      '',
      'Example::',
      '',
      `    ${loop} item in ${callExample(op, 'sync', name).replace(/^result = /, '')}:`,
      '        print(item)',
    ]),
    `        return ${pager}(`,
    `            lambda cursor: self.${pyName(op.name)}(${pass.join(', ')})`,
    '        )',
  ];
}

function renderResource(ns: Namespace, mode: Mode): string[] {
  const base = mode === 'async' ? 'AsyncAPIResource' : 'SyncAPIResource';
  const lines = [
    `class ${resourceName(ns, mode)}(${base}):`,
    ...pyDocstring('    ', [
      `The \`\`${ns.path.join('.')}\`\` operations.${ns.description ? ` ${ns.description}` : ''}`,
    ]),
  ];
  for (const c of ns.children) {
    const attr = pyName(c.path[c.path.length - 1] ?? '');
    lines.push(
      '',
      '    @cached_property',
      `    def ${attr}(self) -> ${resourceName(c, mode)}:`,
      `        return ${resourceName(c, mode)}(self._client)`,
    );
  }
  lines.push(
    '',
    '    @cached_property',
    `    def with_raw_response(self) -> ${resourceName(ns, mode, 'WithRawResponse')}:`,
    '        """The same methods, answering the raw response (status, headers, ``parse()``)."""',
    `        return ${resourceName(ns, mode, 'WithRawResponse')}(self)`,
  );
  for (const op of ns.operations) lines.push('', ...renderMethod(op, mode));
  for (const op of ns.operations) {
    const pager = renderPager(op, mode);
    if (pager.length > 0) lines.push('', ...pager);
  }
  return lines;
}

function renderRawResource(ns: Namespace, mode: Mode): string[] {
  const name = resourceName(ns, mode, 'WithRawResponse');
  const wrap = mode === 'async' ? 'async_to_raw_response_wrapper' : 'to_raw_response_wrapper';
  const lines = [
    `class ${name}:`,
    ...pyDocstring('    ', [`\`\`${ns.path.join('.')}\`\` answering raw responses.`]),
    '',
    `    def __init__(self, resource: ${resourceName(ns, mode)}) -> None:`,
    '        self._resource = resource',
    ...ns.operations.map((op) => `        self.${pyName(op.name)} = ${wrap}(resource.${pyName(op.name)})`),
  ];
  for (const c of ns.children) {
    const attr = pyName(c.path[c.path.length - 1] ?? '');
    lines.push(
      '',
      '    @cached_property',
      `    def ${attr}(self) -> ${resourceName(c, mode, 'WithRawResponse')}:`,
      `        return ${resourceName(c, mode, 'WithRawResponse')}(self._resource.${attr})`,
    );
  }
  return lines;
}

/** The module of one top-level namespace; children first so the parents' hints read well. */
export function renderResourceModule(model: ApiModel, top: Namespace, target: Target = 'api'): string {
  const all = [top, ...descendants(top)].reverse();
  const blocks: string[] = [];
  for (const mode of ['sync', 'async'] as const) {
    for (const ns of all) blocks.push(renderResource(ns, mode).join('\n'));
  }
  for (const mode of ['sync', 'async'] as const) {
    for (const ns of all) blocks.push(renderRawResource(ns, mode).join('\n'));
  }
  const body = blocks.join('\n\n\n');
  const typing = typingImports(body, ['Dict', 'List', 'Mapping', 'Optional', 'Sequence', 'Union']);
  const extensions = typingImports(body, ['Literal']);
  const used = model.types.map((t) => pyClass(t.name)).filter((n) => new RegExp(`\\b${n}\\b`).test(body));
  const rt = (module: string) => runtimeModule(target, module, 2);
  const pick = (names: string[]) => names.filter((n) => new RegExp(`\\b${n}\\b`).test(body));
  const imports = [
    ...pyImport(
      rt('_base_client'),
      pick([
        'AsyncAPIResource',
        'RequestOptions',
        'SyncAPIResource',
        'async_to_raw_response_wrapper',
        'to_raw_response_wrapper',
      ]),
    ),
    ...(body.includes('Pager') ? pyImport(rt('_pagination'), pick(['AsyncPager', 'SyncPager'])) : []),
    ...(pick(['AsyncBinaryResponse', 'BinaryResponse']).length > 0
      ? pyImport(rt('_response'), pick(['AsyncBinaryResponse', 'BinaryResponse']))
      : []),
    ...(body.includes('path_param(') ? [`from ${rt('_serde')} import path_param`] : []),
    ...(pick(['AsyncStream', 'Stream']).length > 0
      ? pyImport(rt('_streaming'), pick(['AsyncStream', 'Stream']))
      : []),
    ...pyImport(
      rt('_types'),
      pick([
        'NOT_GIVEN',
        'AsyncContent',
        'Body',
        'FileTypes',
        'Headers',
        'NotGiven',
        'Query',
        'SyncContent',
        'Timeout',
        'strip_not_given',
      ]),
    ),
    ...(used.length > 0 ? pyImport('..models', used) : []),
  ];
  return [
    `"""The \`\`${top.path[0]}\`\` namespace of the client."""`,
    '',
    'from __future__ import annotations',
    '',
    ...(/\bdatetime\b/.test(body) ? ['from datetime import datetime'] : []),
    'from functools import cached_property',
    `from typing import ${[...typing, 'cast'].join(', ')}`,
    '',
    ...(extensions.length > 0 ? [`from typing_extensions import ${extensions.join(', ')}`, ''] : []),
    ...imports,
    '',
    '',
    body,
  ].join('\n');
}
