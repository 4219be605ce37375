// lib/src/api/<namespace>.dart: a class per namespace with a method per operation. Path
// parameters are positional; body fields, query and header parameters are named, and every
// method takes `RequestOptions? options`. Event-stream operations also get their sealed event class.
import { flattenedBody } from '../body.js';
import {
  type ApiModel,
  descendants,
  type EventKind,
  type Field,
  type Namespace,
  type Operation,
  type Param,
  type TypeRef,
} from '../model/index.js';
import { pascalCase, snakeCase, textLines, thirdPerson } from '../naming.js';
import { UnsupportedError } from '../unsupported.js';
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

const LAST_EVENT_ID = 'last-event-id';

/** `FixturesEventsEvent`: the sealed class of the events of an event-stream operation. */
export function eventClass(op: Operation): string {
  return `${pascalCase(op.id)}Event`;
}

/** `FixturesEventsEventTick`: one kind of event (model types are named `<Op><Event>Event`). */
export function eventVariant(op: Operation, kind: EventKind): string {
  return `${eventClass(op)}${pascalCase(kind.name)}`;
}

export function unknownEvent(op: Operation): string {
  return `${eventClass(op)}Unknown`;
}

/** A parameter as a string (or, for a repeated query parameter, a list) for the URL or a header. */
function asString(model: ApiModel, type: TypeRef, expr: string, nullable: boolean): string {
  if (type.kind === 'string') return expr;
  const json = toJson(model, type, expr, nullable);
  if (json !== expr) return json;
  if (type.kind === 'array') return expr;
  return nullable ? `${expr}?.toString()` : `${expr}.toString()`;
}

/** The body fields offered as named arguments (JSON or multipart), else undefined. */
function bodyFields(op: Operation): Field[] | undefined {
  const fields = flattenedBody(op, dartName);
  if (!fields && op.body?.kind === 'multipart' && op.body.fields.length > 0) {
    throw new UnsupportedError(
      'a multipart field named like a parameter',
      { operation: `${op.id} (${op.method} ${op.path})`, location: 'request body' },
      'the Dart client takes multipart fields as named arguments',
    );
  }
  return fields;
}

/** Whether a body field has three states (left out, null, a value): then it is an `Optional`. */
function threeStates(op: Operation, f: Field): boolean {
  return f.type.kind === 'nullable' && !(f.required && op.body?.required === true);
}

/** The name of the per-call options parameter: `options` unless an operation parameter took it. */
function optionsName(op: Operation): string {
  const taken = new Set([
    ...op.params.map((p) => dartName(p.wireName)),
    ...(bodyFields(op) ?? []).map((f) => dartName(f.wireName)),
  ]);
  return taken.has('options') ? 'requestOptions' : 'options';
}

/** Event streams take `lastEventId` unless the operation declares the header itself. */
function addsLastEventId(op: Operation): boolean {
  return (
    op.response.kind === 'events' &&
    !op.params.some((p) => p.location === 'header' && p.wireName.toLowerCase() === LAST_EVENT_ID)
  );
}

function namedParams(op: Operation, drop: string[] = []): string[] {
  const named: string[] = [];
  const fields = bodyFields(op);
  const body = op.body;
  if (fields && body) {
    for (const f of fields) {
      const name = dartName(f.wireName);
      if (threeStates(op, f)) {
        named.push(`Optional<${dartType(f.type)}> ${name} = const Optional.absent()`);
      } else if (f.required && body.required) {
        named.push(`required ${dartType(f.type)} ${name}`);
      } else {
        named.push(`${dartNullableType(f.type)} ${name}`);
      }
    }
  } else if (body) {
    const type = body.kind === 'json' ? dartType(body.type) : 'Upload';
    named.push(body.required ? `required ${type} body` : `${type.endsWith('?') ? type : `${type}?`} body`);
  }
  for (const p of op.params.filter((q) => q.location !== 'path')) {
    named.push(
      p.required
        ? `required ${dartType(p.type)} ${dartName(p.wireName)}`
        : `${dartNullableType(p.type)} ${dartName(p.wireName)}`,
    );
  }
  if (addsLastEventId(op)) named.push('String? lastEventId');
  named.push(`RequestOptions? ${optionsName(op)}`);
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

function mapLiteral(model: ApiModel, params: Param[], extra: string[] = []): string {
  const entries = params.map(
    (p) => `${dartString(p.wireName)}: ${asString(model, p.type, dartName(p.wireName), !p.required)}`,
  );
  return `{${[...entries, ...extra].join(', ')}}`;
}

/** A body field's JSON (or multipart text) entry. */
function bodyEntry(model: ApiModel, op: Operation, f: Field, wrap: (json: string) => string): string {
  const name = dartName(f.wireName);
  if (threeStates(op, f)) {
    return `      if (${name}.isPresent) ${dartString(f.wireName)}: ${wrap(toJson(model, f.type, `${name}.value`, true))},`;
  }
  const required = f.required && op.body?.required === true;
  // Inside `if (x != null)` a parameter is promoted to non-null.
  const type = !required && f.type.kind === 'nullable' ? f.type.inner : f.type;
  const value = wrap(toJson(model, type, name));
  return required
    ? `      ${dartString(f.wireName)}: ${value},`
    : `      if (${name} != null) ${dartString(f.wireName)}: ${value},`;
}

/** The statements building `body_`, and the payload expression passed to the transport. */
function renderBody(model: ApiModel, op: Operation): { lines: string[]; payload?: string } {
  const body = op.body;
  if (!body) return { lines: [] };
  const media = dartString(body.mediaType);
  if (body.kind === 'bytes') {
    const payload = `BytesPayload(body, contentType: ${media})`;
    return { lines: [], payload: body.required ? payload : `body == null ? null : ${payload}` };
  }
  const fields = bodyFields(op);
  if (body.kind === 'multipart') {
    const files = (fields ?? []).filter(
      (f) => (f.type.kind === 'nullable' ? f.type.inner : f.type).kind === 'file',
    );
    const texts = (fields ?? []).filter((f) => !files.includes(f));
    const lines = [
      '    final body_ = MultipartPayload(',
      '      fields: {',
      ...texts.map((f) => `  ${bodyEntry(model, op, f, (json) => `formValue(${json})`)}`),
      '      },',
      '      files: {',
      ...files.map((f) => `        ${dartString(f.wireName)}: ${dartName(f.wireName)},`),
      '      },',
      '    );',
    ];
    return { lines, payload: 'body_' };
  }
  const contentType = body.mediaType === 'application/json' ? '' : `, contentType: ${media}`;
  if (!fields) {
    const value = toJson(model, body.type, 'body', !body.required);
    return { lines: [], payload: `JsonPayload(${value}${contentType})` };
  }
  const entries = fields.map((f) => bodyEntry(model, op, f, (json) => json));
  return {
    lines: ['    final body_ = <String, Object?>{', ...entries, '    };'],
    payload: `JsonPayload(body_${contentType})`,
  };
}

function callExample(op: Operation): string {
  const positional = op.params.filter((p) => p.location === 'path').map((p) => dartName(p.wireName));
  const fields = flattenedBody(op, dartName);
  const required = op.body?.required
    ? (fields ?? [])
        .filter((f) => f.required && !threeStates(op, f))
        .map((f) => `${dartName(f.wireName)}: ${dartName(f.wireName)}`)
    : [];
  const body = op.body?.required && !fields ? ['body: body'] : [];
  const args = [...positional, ...required, ...body].join(', ');
  const call = `client.${op.namespace.map(dartName).join('.')}.${dartName(op.name)}(${args})`;
  switch (op.response.kind) {
    case 'json':
      return `final result = await ${call};`;
    case 'empty':
      return `await ${call};`;
    case 'bytes':
      return `final download = await ${call};\nawait download.stream.pipe(File('out').openWrite());`;
    case 'events':
      return `await for (final event in ${call}) {\n  print(event);\n}`;
  }
}

function returnType(op: Operation): string {
  switch (op.response.kind) {
    case 'json':
      return `Future<${dartType(op.response.type)}>`;
    case 'empty':
      return 'Future<void>';
    case 'bytes':
      return 'Future<BinaryResponse>';
    case 'events':
      return `Stream<${eventClass(op)}>`;
  }
}

/** Dart set literal of statuses. */
const statusSet = (statuses: number[]) => `{${statuses.join(', ')}}`;

function renderMethod(model: ApiModel, op: Operation): string[] {
  const name = dartName(op.name);
  const summary = op.summary
    ? `${thirdPerson(op.summary).charAt(0).toUpperCase()}${thirdPerson(op.summary).slice(1)}`
    : `Calls ${op.id}.`;
  const notes: string[] = [];
  if (op.idempotencyKey) {
    notes.push(
      '',
      `Unless you pass one, sends an \`${model.behaviour.idempotency.header}\` of its own (\`${model.behaviour.idempotency.keyPrefix}\` + 32 hex digits, one per call, the same on every retry), which makes the call safe to retry.`,
    );
  }
  if (op.response.kind === 'events') {
    notes.push(
      '',
      `The stream resumes with \`Last-Event-ID\` after a broken connection; pass an event id to start after it.${op.response.emptyStatuses.length > 0 ? ` A ${op.response.emptyStatuses.join(' or ')} (nothing after that id) ends the stream.` : ''}`,
    );
  }
  if (op.response.kind === 'bytes') {
    notes.push(
      '',
      `The body is streamed; statuses ${op.response.statuses.join(', ')} are answers, not errors.`,
    );
  }
  const doc = [
    summary,
    ...(op.description ? ['', ...textLines(op.description)] : []),
    ...notes,
    '',
    `\`${op.method} ${op.path}\``,
    '',
    '```dart',
    ...callExample(op).split('\n'),
    '```',
  ];
  const query = op.params.filter((p) => p.location === 'query');
  const headers = op.params.filter((p) => p.location === 'header');
  const { lines: bodyLines, payload } = renderBody(model, op);
  const args = [dartString(op.method), `'${renderPath(model, op)}'`];
  const response = op.response;
  if (response.kind === 'json') {
    args.push(`(json) => ${fromJson(model, response.type, 'json')}`);
  }
  if (response.kind === 'events') args.push(`${eventClass(op)}.fromServerSentEvent`);
  if (response.kind === 'bytes') args.push(`statuses: ${statusSet(response.statuses)}`);
  if (response.kind === 'events' && response.emptyStatuses.length > 0) {
    args.push(`emptyStatuses: ${statusSet(response.emptyStatuses)}`);
  }
  if (query.length > 0) args.push(`query: ${mapLiteral(model, query)}`);
  const lastEventId = addsLastEventId(op) ? ["'Last-Event-ID': lastEventId"] : [];
  if (headers.length > 0 || lastEventId.length > 0)
    args.push(`headers: ${mapLiteral(model, headers, lastEventId)}`);
  if (payload) args.push(`body: ${payload}`);
  args.push(`auth: ${op.auth}`);
  if (op.idempotencyKey) args.push('idempotencyKey: true');
  args.push(`options: ${optionsName(op)}`);
  const call = `_transport.${response.kind}(${args.join(', ')})`;
  const signature = `  ${returnType(op)} ${name}(${parameterList(op)})`;
  return [
    ...dartDoc('  ', doc),
    ...(op.deprecated ? ["  @Deprecated('This operation will be removed in a future version.')"] : []),
    ...(bodyLines.length === 0
      ? [`${signature} =>`, `      ${call};`]
      : [`${signature} {`, ...bodyLines, `    return ${call};`, '  }']),
  ];
}

function renderPager(op: Operation): string[] {
  if (!op.pagination) return [];
  const name = `${dartName(op.name)}All`;
  const positional = op.params.filter((p) => p.location === 'path').map((p) => dartName(p.wireName));
  const named = namedParams(op, ['cursor']).map((n) => {
    const parts = n.split(' ');
    // `Optional<T> x = const Optional.absent()` → `x`.
    return parts.includes('=') ? (parts[parts.indexOf('=') - 1] ?? '') : (parts.pop() ?? '');
  });
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

/** The sealed event class of an event-stream operation and a subclass per event kind. */
function renderEvents(model: ApiModel, op: Operation): string[] {
  if (op.response.kind !== 'events') return [];
  const base = eventClass(op);
  const unknown = unknownEvent(op);
  const taken = new Set(model.types.map((t) => t.name));
  for (const name of [base, unknown, ...op.response.events.map((k) => eventVariant(op, k))]) {
    if (taken.has(name)) {
      throw new UnsupportedError(
        `an event class named ${name} like a schema`,
        { operation: `${op.id} (${op.method} ${op.path})`, location: 'response' },
        'the Dart client names event classes <Operation>Event<Kind>',
      );
    }
  }
  const kinds = op.response.events;
  const lines = [
    ...dartDoc('', [
      `An event of \`${op.id}\`: ${kinds.map((k) => `[${eventVariant(op, k)}]`).join(', ')}, or [${unknown}] for an event this client does not know yet.`,
    ]),
    `sealed class ${base} {`,
    `  const ${base}(this.id);`,
    '',
    '  /// The event id: pass it as `lastEventId` to resume after this event.',
    '  final String? id;',
    '',
    `  /// Reads ${base.match(/^[AEIOU]/) ? 'an' : 'a'} [${base}] by its \`event:\` name.`,
    `  static ${base} fromServerSentEvent(ServerSentEvent event) {`,
    '    switch (event.event) {',
    ...kinds.flatMap((k) => [
      `      case ${dartString(k.name)}:`,
      `        return ${eventVariant(op, k)}(event.id, ${fromJson(model, k.type, 'event.json()')});`,
    ]),
    '      default:',
    `        return ${unknown}(event.id, event.event, event.data);`,
    '    }',
    '  }',
    '}',
  ];
  for (const k of kinds) {
    lines.push(
      '',
      `/// A \`${k.name}\` event of \`${op.id}\`.`,
      `final class ${eventVariant(op, k)} extends ${base} {`,
      '  /// Created by the client.',
      `  const ${eventVariant(op, k)}(super.id, this.data);`,
      '',
      "  /// The event's data.",
      `  final ${dartType(k.type)} data;`,
      '}',
    );
  }
  lines.push(
    '',
    `/// An event of \`${op.id}\` with a name this client does not know (the platform is newer).`,
    `final class ${unknown} extends ${base} {`,
    '  /// Created by the client.',
    `  const ${unknown}(super.id, this.event, this.data);`,
    '',
    "  /// The event's name.",
    '  final String event;',
    '',
    "  /// The event's data, undecoded.",
    '  final String data;',
    '}',
  );
  return lines;
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
  for (const op of ns.operations) {
    const events = renderEvents(model, op);
    if (events.length > 0) lines.push('', ...events);
  }
  return lines;
}

/** Dart's directive order: `package:` imports, then relative ones, each alphabetical. */
export function sortImports(imports: string[]): string[] {
  const isPackage = (i: string) => i.startsWith("import 'package:");
  const sorted = [...imports].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const packages = sorted.filter(isPackage);
  const relative = sorted.filter((i) => !isPackage(i));
  return packages.length > 0 && relative.length > 0
    ? [...packages, '', ...relative]
    : [...packages, ...relative];
}

/** The library file of one top-level namespace and everything below it. */
export function renderApiFile(model: ApiModel, top: Namespace, runtime = '../'): string {
  const body = [top, ...descendants(top)].map((ns) => renderApi(model, ns).join('\n')).join('\n\n');
  const uses = (pattern: RegExp) => pattern.test(body);
  const imports = [
    ...(uses(/\bBinaryResponse\b/) ? [`import '${runtime}binary_response.dart';`] : []),
    ...(uses(/\bOptional</) ? [`import '${runtime}optional.dart';`] : []),
    ...(uses(/\bpaginate\(/) ? [`import '${runtime}pagination.dart';`] : []),
    `import '${runtime}request_options.dart';`,
    ...(uses(/\bServerSentEvent\b/) ? [`import '${runtime}sse.dart';`] : []),
    `import '${runtime}transport.dart';`,
    ...(uses(/\b(Upload|FilePart)\b/) ? [`import '${runtime}upload.dart';`] : []),
    "import '../models.dart';",
  ];
  return [...sortImports(imports), '', body].join('\n');
}
