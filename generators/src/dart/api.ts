// lib/src/api/<namespace>.dart: a class per namespace with a method per operation. Path
// parameters are positional; body fields, query and header parameters are named.
import { flattenedBody } from '../body.js';
import {
  type ApiModel,
  descendants,
  type Namespace,
  type Operation,
  type Param,
  type TypeRef,
} from '../model/index.js';
import { pascalCase, snakeCase, textLines, thirdPerson } from '../naming.js';
import { dartDoc, dartName, dartString } from './naming.js';
import { dartNullableType, dartType, fromJson, toJson } from './types.js';

/** `ProjectsKeysApi` for the namespace `projects.keys`. */
export function apiName(ns: Namespace): string {
  return `${pascalCase(ns.path.join('.'))}Api`;
}

/** The file of a top-level namespace under lib/src/api/. */
export function apiFile(ns: Namespace): string {
  return `${snakeCase(ns.path[0] ?? '')}.dart`;
}

/** A parameter as a string for the URL or a header. */
function asString(model: ApiModel, type: TypeRef, expr: string, nullable: boolean): string {
  if (type.kind === 'string') return expr;
  const json = toJson(model, type, expr, nullable);
  if (json !== expr) return json;
  return nullable ? `${expr}?.toString()` : `${expr}.toString()`;
}

function namedParams(op: Operation, drop: string[] = []): string[] {
  const named: string[] = [];
  const fields = flattenedBody(op, dartName);
  if (fields) {
    for (const f of fields) {
      const required = f.required && op.body?.required === true;
      named.push(
        required
          ? `required ${dartType(f.type)} ${dartName(f.wireName)}`
          : `${dartNullableType(f.type)} ${dartName(f.wireName)}`,
      );
    }
  } else if (op.body) {
    named.push(
      op.body.required ? `required ${dartType(op.body.type)} body` : `${dartNullableType(op.body.type)} body`,
    );
  }
  for (const p of op.params.filter((q) => q.location !== 'path')) {
    named.push(
      p.required
        ? `required ${dartType(p.type)} ${dartName(p.wireName)}`
        : `${dartNullableType(p.type)} ${dartName(p.wireName)}`,
    );
  }
  return named.filter((n) => !drop.includes(n.split(' ').pop() ?? ''));
}

function parameterList(op: Operation, drop: string[] = []): string {
  const positional = op.params
    .filter((p) => p.location === 'path')
    .map((p) => `${dartType(p.type)} ${dartName(p.wireName)}`);
  const named = namedParams(op, drop);
  return [...positional, ...(named.length > 0 ? [`{${named.join(', ')}}`] : [])].join(', ');
}

function renderPath(model: ApiModel, op: Operation): string {
  return op.path
    .split(/(\{[^}]+\})/)
    .filter((s) => s.length > 0)
    .map((part) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (!name) return dartString(part).slice(1, -1);
      const param = op.params.find((p) => p.location === 'path' && p.wireName === name);
      return `\${Uri.encodeComponent(${asString(model, param?.type ?? { kind: 'string' }, dartName(name), false)})}`;
    })
    .join('');
}

function mapLiteral(model: ApiModel, params: Param[]): string {
  const entries = params.map(
    (p) => `${dartString(p.wireName)}: ${asString(model, p.type, dartName(p.wireName), !p.required)}`,
  );
  return `{${entries.join(', ')}}`;
}

function renderBody(model: ApiModel, op: Operation): string[] {
  if (!op.body) return [];
  const fields = flattenedBody(op, dartName);
  if (!fields) return [`    final body_ = ${toJson(model, op.body.type, 'body', !op.body.required)};`];
  const entries = fields.map((f) => {
    const name = dartName(f.wireName);
    const required = f.required && op.body?.required === true;
    // Inside `if (x != null)` a parameter is promoted to non-null.
    const type = !required && f.type.kind === 'nullable' ? f.type.inner : f.type;
    const value = toJson(model, type, name);
    return required
      ? `      ${dartString(f.wireName)}: ${value},`
      : `      if (${name} != null) ${dartString(f.wireName)}: ${value},`;
  });
  return ['    final body_ = <String, Object?>{', ...entries, '    };'];
}

function callExample(op: Operation): string {
  const positional = op.params.filter((p) => p.location === 'path').map((p) => dartName(p.wireName));
  const fields = flattenedBody(op, dartName);
  const required = op.body?.required
    ? (fields ?? []).filter((f) => f.required).map((f) => `${dartName(f.wireName)}: ${dartName(f.wireName)}`)
    : [];
  const body = op.body?.required && !fields ? ['body: body'] : [];
  const call = `client.${op.namespace.map(dartName).join('.')}.${dartName(op.name)}(${[...positional, ...required, ...body].join(', ')})`;
  return op.response.kind === 'json' ? `final result = await ${call};` : `await ${call};`;
}

function renderMethod(model: ApiModel, op: Operation): string[] {
  const name = dartName(op.name);
  // No content (204): the method completes with nothing, Future<void>.
  const returns = op.response.kind === 'json' ? dartType(op.response.type) : 'void';
  const summary = op.summary
    ? `${thirdPerson(op.summary).charAt(0).toUpperCase()}${thirdPerson(op.summary).slice(1)}`
    : `Calls ${op.id}.`;
  const doc = [
    summary,
    ...(op.description ? ['', ...textLines(op.description)] : []),
    '',
    `\`${op.method} ${op.path}\``,
    '',
    '```dart',
    callExample(op),
    '```',
  ];
  const query = op.params.filter((p) => p.location === 'query');
  const headers = op.params.filter((p) => p.location === 'header');
  const args = [dartString(op.method), `'${renderPath(model, op)}'`];
  if (query.length > 0) args.push(`query: ${mapLiteral(model, query)}`);
  if (headers.length > 0) args.push(`headers: ${mapLiteral(model, headers)}`);
  if (op.body) args.push('body: body_');
  // The transport sends application/json unless told otherwise (merge-patch+json, …).
  if (op.body && op.body.mediaType !== 'application/json') {
    args.push(`contentType: ${dartString(op.body.mediaType)}`);
  }
  args.push(`auth: ${op.auth}`);
  const call = `_transport.request(${args.join(', ')})`;
  return [
    ...dartDoc('  ', doc),
    ...(op.deprecated ? ["  @Deprecated('This operation will be removed in a future version.')"] : []),
    `  Future<${returns}> ${name}(${parameterList(op)}) async {`,
    ...renderBody(model, op),
    ...(op.response.kind === 'json'
      ? [`    final json_ = await ${call};`, `    return ${fromJson(model, op.response.type, 'json_')};`]
      : [`    await ${call};`]),
    '  }',
  ];
}

function renderPager(op: Operation): string[] {
  if (!op.pagination) return [];
  const name = `${dartName(op.name)}All`;
  const positional = op.params.filter((p) => p.location === 'path').map((p) => dartName(p.wireName));
  const named = namedParams(op, ['cursor']).map((n) => n.split(' ').pop() ?? '');
  const pass = [...positional, ...named.map((n) => `${n}: ${n}`), 'cursor: cursor'].join(', ');
  const example = `client.${op.namespace.map(dartName).join('.')}.${name}(${positional.join(', ')})`;
  return [
    ...dartDoc('  ', [
      `Every item of [${dartName(op.name)}], fetching pages as the stream is listened to.`,
      '',
      '```dart',
      `await for (final item in ${example}) {`,
      '  print(item);',
      '}',
      '```',
    ]),
    `  Stream<${dartType(op.pagination.item)}> ${name}(${parameterList(op, ['cursor'])}) =>`,
    `      paginate((cursor) => ${dartName(op.name)}(${pass}), (page) => page.data, (page) => page.nextCursor);`,
  ];
}

function renderApi(model: ApiModel, ns: Namespace): string[] {
  const name = apiName(ns);
  const lines = [
    ...dartDoc('', [`The \`${ns.path.join('.')}\` operations.${ns.description ? ` ${ns.description}` : ''}`]),
    `class ${name} {`,
    `  /// Used by [AerostackClient]; get one from \`client.${ns.path.map(dartName).join('.')}\`.`,
    `  ${name}(this._transport);`,
    '',
    '  final Transport _transport;',
    ...ns.children.flatMap((c) => [
      '',
      `  /// The \`${c.path.join('.')}\` operations.`,
      `  late final ${apiName(c)} ${dartName(c.path[c.path.length - 1] ?? '')} = ${apiName(c)}(_transport);`,
    ]),
  ];
  for (const op of ns.operations) lines.push('', ...renderMethod(model, op));
  for (const op of ns.operations) {
    const pager = renderPager(op);
    if (pager.length > 0) lines.push('', ...pager);
  }
  lines.push('}');
  return lines;
}

/** The library file of one top-level namespace and everything below it. */
export function renderApiFile(model: ApiModel, top: Namespace): string {
  const body = [top, ...descendants(top)].map((ns) => renderApi(model, ns).join('\n')).join('\n\n');
  return [
    ...(body.includes('paginate(') ? ["import '../pagination.dart';"] : []),
    "import '../models.dart';",
    "import '../transport.dart';",
    '',
    body,
  ].join('\n');
}
