// test/scenario_calls.dart (and test/fixture_client/scenario_calls.dart): the table the Dart
// scenario runner (clients/dart/test/scenarios_test.dart) calls scenarios/*.json through. Each
// entry takes a step's wire-named arguments and calls the idiomatic method — positional path
// parameters, typed named arguments — and gives the result back in its wire shape (toJson).
import { flattenedBody } from '../body.js';
import type { ApiModel, Field, Operation, Param } from '../model/index.js';
import { eventClass, eventVariant, unknownEvent } from './api.js';
import { dartName, dartString } from './naming.js';
import { fromJson, fromNullableJson, toJson } from './types.js';

function paramAccess(p: Param): string {
  const map = p.location === 'path' ? 'a.path' : p.location === 'query' ? 'a.query' : null;
  return map ? `${map}[${dartString(p.wireName)}]` : `a.header(${dartString(p.wireName)})`;
}

function threeStates(op: Operation, f: Field): boolean {
  return f.type.kind === 'nullable' && !(f.required && op.body?.required === true);
}

/** The argument list of the call of `op` from the scenario arguments `a`, or undefined if it cannot be built. */
function callArguments(model: ApiModel, op: Operation, drop: string[] = []): string | undefined {
  const args: string[] = [];
  for (const p of op.params.filter((q) => q.location === 'path'))
    args.push(fromJson(model, p.type, paramAccess(p)));
  const body = op.body;
  if (body?.kind === 'multipart') return undefined;
  const fields = flattenedBody(op, dartName);
  if (body && fields) {
    for (const f of fields) {
      const access = `a.body[${dartString(f.wireName)}]`;
      const name = dartName(f.wireName);
      if (threeStates(op, f)) {
        args.push(
          `${name}: a.body.containsKey(${dartString(f.wireName)}) ? Optional(${fromNullableJson(model, f.type, access)}) : const Optional.absent()`,
        );
      } else {
        args.push(
          `${name}: ${f.required && body.required ? fromJson(model, f.type, access) : fromNullableJson(model, f.type, access)}`,
        );
      }
    }
  } else if (body?.kind === 'json') {
    args.push(
      `body: ${body.required ? fromJson(model, body.type, 'a.bodyValue') : fromNullableJson(model, body.type, 'a.bodyValue')}`,
    );
  } else if (body?.kind === 'bytes') {
    args.push(
      `body: ${body.required ? 'BytesUpload(a.bytes!)' : 'a.bytes == null ? null : BytesUpload(a.bytes!)'}`,
    );
  }
  for (const p of op.params.filter((q) => q.location !== 'path' && !drop.includes(q.wireName))) {
    const value = p.required
      ? fromJson(model, p.type, paramAccess(p))
      : fromNullableJson(model, p.type, paramAccess(p));
    args.push(`${dartName(p.wireName)}: ${value}`);
  }
  if (op.response.kind === 'events' && !op.params.some((p) => p.wireName.toLowerCase() === 'last-event-id')) {
    args.push("lastEventId: a.header('Last-Event-ID') as String?");
  }
  return args.join(', ');
}

const method = (op: Operation, name = dartName(op.name)) =>
  `client.${op.namespace.map(dartName).join('.')}.${name}`;

function callEntry(model: ApiModel, op: Operation): string | undefined {
  if (op.response.kind === 'events') return undefined;
  const args = callArguments(model, op);
  if (args === undefined) return undefined;
  const call = `await ${method(op)}(${args})`;
  switch (op.response.kind) {
    case 'json':
      return `  ${dartString(op.id)}: (client, a) async => ${toJson(model, op.response.type, `(${call})`)},`;
    case 'empty':
      return `  ${dartString(op.id)}: (client, a) async {\n    ${call};\n    return null;\n  },`;
    case 'bytes':
      return `  ${dartString(op.id)}: (client, a) async => ${call},`;
  }
}

function pageEntry(model: ApiModel, op: Operation): string | undefined {
  if (!op.pagination) return undefined;
  const args = callArguments(model, op, ['cursor']);
  if (args === undefined) return undefined;
  return `  ${dartString(op.id)}: (client, a) => ${method(op, `${dartName(op.name)}All`)}(${args}).map((e) => ${toJson(model, op.pagination.item, 'e')}),`;
}

function eventEntry(model: ApiModel, op: Operation): string | undefined {
  if (op.response.kind !== 'events') return undefined;
  const args = callArguments(model, op);
  if (args === undefined) return undefined;
  const cases = op.response.events.map(
    (k) =>
      `    if (e is ${eventVariant(op, k)}) return {'event': ${dartString(k.name)}, 'id': e.id, 'data': ${toJson(model, k.type, 'e.data')}};`,
  );
  return [
    `  ${dartString(op.id)}: (client, a) => ${method(op)}(${args}).map((${eventClass(op)} e) {`,
    ...cases,
    `    final u = e as ${unknownEvent(op)};`,
    "    return {'event': u.event, 'id': u.id, 'data': u.data};",
    '  }),',
  ].join('\n');
}

/** The scenario table of a client; `client` is its class, `imports` what the file needs. */
export function renderScenarioCalls(model: ApiModel, client: string, imports: string[]): string {
  const calls = model.operations.map((op) => callEntry(model, op)).filter((e) => e !== undefined);
  const pages = model.operations.map((op) => pageEntry(model, op)).filter((e) => e !== undefined);
  const events = model.operations.map((op) => eventEntry(model, op)).filter((e) => e !== undefined);
  return [
    ...imports,
    '',
    `/// The operations of [${client}] as the scenario runner calls them: wire-named arguments`,
    '/// in, the result in its wire shape out (multipart operations are left out).',
    `final scenarioTable = ScenarioTable<${client}>(`,
    `  client: (url, credential) => ${client}(url, credential: credential),`,
    '  close: (client) => client.close(),',
    `  calls: <String, Future<Object?> Function(${client}, ScenarioArgs)>{`,
    ...calls.map((c) => c.replace(/^/gm, '  ')),
    '  },',
    `  pages: <String, Stream<Object?> Function(${client}, ScenarioArgs)>{`,
    ...pages.map((c) => c.replace(/^/gm, '  ')),
    '  },',
    `  events: <String, Stream<Map<String, Object?>> Function(${client}, ScenarioArgs)>{`,
    ...events.map((c) => c.replace(/^/gm, '  ')),
    '  },',
    ');',
  ].join('\n');
}
