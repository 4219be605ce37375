// The Dart emitter, construct by construct, on hand-built models (the IR of src/model/types.ts):
// the Dart it writes for unions, nullables (three states), enums, pagination, event streams, byte
// and multipart uploads, downloads and idempotency keys, and that every file parses
// (dart-syntax.ts: tree-sitter-dart; there is no Dart SDK here to compile or run it).
import { describe, expect, it } from 'vitest';
import { generateDart } from '../src/dart/index.js';
import type { ApiModel, NamedType, Operation } from '../src/model/index.js';
import { loadBehaviour } from '../src/spec.js';
import { dartSyntaxErrors } from './dart-syntax.js';

function operation(op: Partial<Operation> & Pick<Operation, 'id' | 'method' | 'path'>): Operation {
  const segments = op.id.split('.');
  return {
    namespace: segments.slice(0, -1),
    name: segments[segments.length - 1] ?? '',
    deprecated: false,
    params: [],
    response: { kind: 'empty' },
    auth: true,
    idempotencyKey: false,
    ...op,
  };
}

/** A model of `operations` (all in the `things` namespace) and `types`. */
function model(operations: Operation[], types: NamedType[] = []): ApiModel {
  return {
    title: 'Test',
    version: '1.0.0',
    defaultServer: 'http://localhost',
    types,
    operations,
    root: { path: [], operations: [], children: [{ path: ['things'], operations, children: [] }] },
    errorCodes: [{ code: 'thing/not-found', status: 404, title: 'Not found' }],
    behaviour: loadBehaviour(),
  };
}

/** The generated files by path below dart/, each checked to parse. */
function render(m: ApiModel): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of generateDart(m)) {
    if (f.path.endsWith('.dart')) expect(dartSyntaxErrors(f.content), f.path).toEqual([]);
    files[f.path.replace(/^dart\//, '')] = f.content;
  }
  return files;
}

const api = (files: Record<string, string>) => files['lib/src/api/things.dart'] ?? '';
const models = (files: Record<string, string>) => files['lib/src/models.dart'] ?? '';

const circle: NamedType = {
  kind: 'object',
  name: 'Circle',
  fields: [
    { wireName: 'kind', type: { kind: 'literal', value: 'circle' }, required: true },
    { wireName: 'radius', type: { kind: 'number' }, required: true },
  ],
};
const square: NamedType = {
  kind: 'object',
  name: 'Square',
  fields: [
    { wireName: 'kind', type: { kind: 'literal', value: 'square' }, required: true },
    { wireName: 'side', type: { kind: 'number' }, required: true },
  ],
};

describe('the Dart emitter', () => {
  it('writes a discriminated union as a sealed class whose variants implement it', () => {
    const shape: NamedType = {
      kind: 'union',
      name: 'Shape',
      variants: [
        { kind: 'named', name: 'Circle' },
        { kind: 'named', name: 'Square' },
      ],
      discriminator: { property: 'kind', mapping: { circle: 'Circle', square: 'Square' } },
    };
    const get = operation({
      id: 'things.get',
      method: 'GET',
      path: '/things/{id}',
      params: [{ wireName: 'id', location: 'path', type: { kind: 'string' }, required: true }],
      response: { kind: 'json', type: { kind: 'named', name: 'Shape' } },
    });
    const out = models(render(model([get], [shape, circle, square])));
    expect(out).toContain('sealed class Shape {');
    expect(out).toContain(
      [
        '  factory Shape.fromJson(Object? json) {',
        '    final map = json as Map<String, Object?>;',
        "    switch (map['kind']) {",
        "      case 'circle':",
        '        return Circle.fromJson(map);',
        "      case 'square':",
        '        return Square.fromJson(map);',
        '      default:',
        '        return ShapeUnknown(map);',
        '    }',
        '  }',
      ].join('\n'),
    );
    expect(out).toContain('final class ShapeUnknown extends Shape {');
    expect(out).toContain('final class Circle implements Shape {');
    // The discriminator is a constant, not a constructor argument, and is always sent.
    expect(out).toContain("  String get kind => 'circle';");
    expect(out).toContain('  const Circle({required this.radius});');
    expect(out).toContain("        'kind': 'circle',");
    expect(api(render(model([get], [shape, circle, square])))).toContain('(json) => Shape.fromJson(json)');
  });

  it('tries the variants of a union without a discriminator in order, wrapping non-objects', () => {
    const idOrShape: NamedType = {
      kind: 'union',
      name: 'Target',
      variants: [{ kind: 'named', name: 'Circle' }, { kind: 'literal', value: 'auto' }, { kind: 'string' }],
    };
    const out = models(render(model([], [idOrShape, circle])));
    expect(out).toContain('      return Circle.fromJson(json as Map<String, Object?>);');
    expect(out).toContain('      return TargetString(json as String);');
    expect(out).toContain(
      "      return json == 'auto' ? TargetAuto(json as String) : throw FormatException('Not auto', json);",
    );
    expect(out).toContain('final class TargetAuto extends Target {');
    expect(out).toContain("    throw FormatException('Not a Target', json);");
    expect(out).toContain('final class TargetString extends Target {');
    expect(out).not.toContain('TargetUnknown');
  });

  it('gives optional nullable body fields three states through Optional', () => {
    const update = operation({
      id: 'things.update',
      method: 'PATCH',
      path: '/things/{id}',
      params: [{ wireName: 'id', location: 'path', type: { kind: 'integer' }, required: true }],
      body: {
        kind: 'json',
        mediaType: 'application/merge-patch+json',
        required: true,
        type: { kind: 'named', name: 'ThingPatch' },
        fields: [
          { wireName: 'name', type: { kind: 'string' }, required: false },
          { wireName: 'note', type: { kind: 'nullable', inner: { kind: 'string' } }, required: false },
          { wireName: 'due', type: { kind: 'nullable', inner: { kind: 'datetime' } }, required: true },
        ],
      },
    });
    const out = api(render(model([update])));
    expect(out).toContain(
      'Future<void> update(int id, {String? name, Optional<String?> note = const Optional.absent(), required DateTime? due, RequestOptions? options}) {',
    );
    expect(out).toContain("      if (name != null) 'name': name,");
    expect(out).toContain("      if (note.isPresent) 'note': note.value,");
    expect(out).toContain("      'due': due?.toUtc().toIso8601String(),");
    expect(out).toContain("body: JsonPayload(body_, contentType: 'application/merge-patch+json')");
    expect(out).toContain("import '../optional.dart';");
  });

  it('writes nullable and optional model fields as nullable types, leaving unset optional ones out', () => {
    const thing: NamedType = {
      kind: 'object',
      name: 'Thing',
      fields: [
        { wireName: 'closedAt', type: { kind: 'nullable', inner: { kind: 'datetime' } }, required: true },
        { wireName: 'note', type: { kind: 'string' }, required: false },
      ],
    };
    const out = models(render(model([], [thing])));
    expect(out).toContain(
      "        closedAt: json['closedAt'] == null ? null : DateTime.parse(json['closedAt'] as String),",
    );
    expect(out).toContain("        'closedAt': closedAt?.toUtc().toIso8601String(),");
    expect(out).toContain("        if (note != null) 'note': note,");
  });

  it('writes enums as enhanced enums with their wire value', () => {
    const color: NamedType = { kind: 'enum', name: 'Color', values: ['red', 'dark-blue'] };
    const list = operation({
      id: 'things.list',
      method: 'GET',
      path: '/things',
      params: [
        { wireName: 'color', location: 'query', type: { kind: 'named', name: 'Color' }, required: false },
        {
          wireName: 'tag',
          location: 'query',
          type: { kind: 'array', items: { kind: 'named', name: 'Color' } },
          required: false,
        },
      ],
    });
    const files = render(model([list], [color]));
    expect(models(files)).toContain("enum Color {\n  red('red'),\n  darkBlue('dark-blue');");
    expect(models(files)).toContain("orElse: () => throw FormatException('Unknown Color', value),");
    expect(api(files)).toContain(
      "query: {'color': color?.value, 'tag': tag?.map((e0) => e0.value).toList()}",
    );
  });

  it('adds an auto-paging Stream beside a cursor-paginated list', () => {
    const page: NamedType = {
      kind: 'object',
      name: 'ThingPage',
      fields: [
        { wireName: 'data', type: { kind: 'array', items: { kind: 'string' } }, required: true },
        { wireName: 'nextCursor', type: { kind: 'nullable', inner: { kind: 'string' } }, required: true },
      ],
    };
    const list = operation({
      id: 'things.list',
      method: 'GET',
      path: '/things',
      params: [
        { wireName: 'limit', location: 'query', type: { kind: 'integer' }, required: false },
        { wireName: 'cursor', location: 'query', type: { kind: 'string' }, required: false },
      ],
      response: { kind: 'json', type: { kind: 'named', name: 'ThingPage' } },
      pagination: { item: { kind: 'string' } },
    });
    const out = api(render(model([list], [page])));
    expect(out).toContain(
      [
        '  Stream<String> listAll({int? limit, RequestOptions? options}) =>',
        '      paginate((cursor) => list(limit: limit, options: options, cursor: cursor), (page) => page.data, (page) => page.nextCursor);',
      ].join('\n'),
    );
  });

  it('writes an event stream as a Stream of a sealed event class, resuming with Last-Event-ID', () => {
    const tick: NamedType = {
      kind: 'object',
      name: 'Tick',
      fields: [{ wireName: 'n', type: { kind: 'integer' }, required: true }],
    };
    const watch = operation({
      id: 'things.watch',
      method: 'GET',
      path: '/things/events',
      response: {
        kind: 'events',
        events: [
          { name: 'tick', type: { kind: 'named', name: 'Tick' } },
          { name: 'note', type: { kind: 'string' } },
        ],
        emptyStatuses: [204],
      },
    });
    const out = api(render(model([watch], [tick])));
    expect(out).toContain(
      [
        '  Stream<ThingsWatchEvent> watch({String? lastEventId, RequestOptions? options}) =>',
        "      _transport.events('GET', '/things/events', ThingsWatchEvent.fromServerSentEvent, emptyStatuses: {204}, headers: {'Last-Event-ID': lastEventId}, auth: true, options: options);",
      ].join('\n'),
    );
    expect(out).toContain('sealed class ThingsWatchEvent {');
    expect(out).toContain(
      '        return ThingsWatchEventTick(event.id, Tick.fromJson(event.json() as Map<String, Object?>));',
    );
    expect(out).toContain('        return ThingsWatchEventNote(event.id, event.json() as String);');
    expect(out).toContain('final class ThingsWatchEventUnknown extends ThingsWatchEvent {');
    expect(out).toContain("import '../sse.dart';");
  });

  it('takes the Last-Event-ID header an operation declares instead of adding one', () => {
    const watch = operation({
      id: 'things.watch',
      method: 'GET',
      path: '/things/events',
      params: [{ wireName: 'Last-Event-ID', location: 'header', type: { kind: 'string' }, required: false }],
      response: { kind: 'events', events: [{ name: 'note', type: { kind: 'string' } }], emptyStatuses: [] },
    });
    const out = api(render(model([watch])));
    expect(out).toContain(
      'Stream<ThingsWatchEvent> watch({String? lastEventId, RequestOptions? options}) =>',
    );
    expect(out.match(/lastEventId/g)?.length).toBe(3); // parameter, header, the doc's "pass it as"
  });

  it('refuses an event class that would take a schema name', () => {
    const clash: NamedType = { kind: 'object', name: 'ThingsWatchEvent', fields: [] };
    const watch = operation({
      id: 'things.watch',
      method: 'GET',
      path: '/things/events',
      response: { kind: 'events', events: [{ name: 'note', type: { kind: 'string' } }], emptyStatuses: [] },
    });
    expect(() => generateDart(model([watch], [clash]))).toThrow(/event class named ThingsWatchEvent/);
  });

  it('refuses a schema named like a class of the runtime', () => {
    const upload: NamedType = { kind: 'object', name: 'Upload', fields: [] };
    expect(() => generateDart(model([], [upload]))).toThrow(/a schema named Upload/);
  });

  it('uploads bytes from an Upload (in memory or streamed)', () => {
    const put = operation({
      id: 'things.put',
      method: 'PUT',
      path: '/things/{name}',
      params: [{ wireName: 'name', location: 'path', type: { kind: 'string' }, required: true }],
      body: { kind: 'bytes', mediaType: 'application/octet-stream', required: true },
    });
    const append = operation({
      id: 'things.append',
      method: 'POST',
      path: '/things/{name}/text',
      params: [{ wireName: 'name', location: 'path', type: { kind: 'string' }, required: true }],
      body: { kind: 'bytes', mediaType: 'text/plain', required: false },
    });
    const out = api(render(model([put, append])));
    expect(out).toContain(
      'Future<void> put(String name, {required Upload body, RequestOptions? options}) =>',
    );
    expect(out).toContain("body: BytesPayload(body, contentType: 'application/octet-stream')");
    expect(out).toContain('Future<void> append(String name, {Upload? body, RequestOptions? options}) =>');
    expect(out).toContain("body: body == null ? null : BytesPayload(body, contentType: 'text/plain')");
    expect(out).toContain("import '../upload.dart';");
  });

  it('sends a multipart form with text fields and FilePart files', () => {
    const submit = operation({
      id: 'things.submit',
      method: 'POST',
      path: '/forms',
      body: {
        kind: 'multipart',
        mediaType: 'multipart/form-data',
        required: true,
        fields: [
          { wireName: 'title', type: { kind: 'string' }, required: true },
          { wireName: 'pages', type: { kind: 'integer' }, required: false },
          { wireName: 'document', type: { kind: 'file' }, required: true },
        ],
      },
    });
    const out = api(render(model([submit])));
    expect(out).toContain(
      'Future<void> submit({required String title, int? pages, required FilePart document, RequestOptions? options}) {',
    );
    expect(out).toContain(
      [
        '    final body_ = MultipartPayload(',
        '      fields: {',
        "        'title': formValue(title),",
        "        if (pages != null) 'pages': formValue(pages),",
        '      },',
        '      files: {',
        "        'document': document,",
        '      },',
        '    );',
      ].join('\n'),
    );
  });

  it('streams a download with its status and headers', () => {
    const download = operation({
      id: 'things.download',
      method: 'GET',
      path: '/things/{name}',
      params: [
        { wireName: 'name', location: 'path', type: { kind: 'string' }, required: true },
        { wireName: 'Range', location: 'header', type: { kind: 'string' }, required: false },
      ],
      response: { kind: 'bytes', mediaTypes: ['application/octet-stream'], statuses: [200, 206, 304] },
    });
    const out = api(render(model([download])));
    expect(out).toContain(
      [
        '  Future<BinaryResponse> download(String name, {String? range, RequestOptions? options}) =>',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Dart's interpolation, not JavaScript's
        "      _transport.bytes('GET', '/things/${Uri.encodeComponent(name)}', statuses: {200, 206, 304}, headers: {'Range': range}, auth: true, options: options);",
      ].join('\n'),
    );
    expect(out).toContain("import '../binary_response.dart';");
  });

  it('asks the transport for an idempotency key only where the operation declares the header', () => {
    const create = operation({
      id: 'things.create',
      method: 'POST',
      path: '/things',
      params: [
        { wireName: 'Idempotency-Key', location: 'header', type: { kind: 'string' }, required: false },
      ],
      idempotencyKey: true,
    });
    const increment = operation({ id: 'things.increment', method: 'POST', path: '/things/count' });
    const out = api(render(model([create, increment])));
    expect(out).toContain(
      "      _transport.empty('POST', '/things', headers: {'Idempotency-Key': idempotencyKey}, auth: true, idempotencyKey: true, options: options);",
    );
    expect(out).toContain("      _transport.empty('POST', '/things/count', auth: true, options: options);");
    expect(out).toContain('`idk_` + 32 hex');
  });

  it('emits behaviour.json as constants and the client error codes beside the platform ones', () => {
    const behaviour = loadBehaviour();
    const files = render(model([]));
    const constants = files['lib/src/behaviour.dart'] ?? '';
    expect(constants).toContain(`static const maxRetries = ${behaviour.retry.maxRetries};`);
    expect(constants).toContain(
      `static const retryStatuses = <int>{${behaviour.retry.retryStatuses.join(', ')}};`,
    );
    expect(constants).toContain(`static const backoffInitialMs = ${behaviour.retry.backoff.initialMs};`);
    expect(constants).toContain(`static const backoffJitter = ${behaviour.retry.backoff.jitter};`);
    expect(constants).toContain(`static const retryAfterCapMs = ${behaviour.retry.retryAfter.capMs};`);
    expect(constants).toContain(`static const idempotencyKeyPrefix = '${behaviour.idempotency.keyPrefix}';`);
    const codes = files['lib/src/error_codes.dart'] ?? '';
    expect(codes).toContain(
      `static const clientInvalidResponse = '${behaviour.clientErrors.invalidResponse}';`,
    );
    expect(codes).toContain("static const thingNotFound = 'thing/not-found';");
    expect(files['pubspec.yaml']).toContain("http: '>=1.5.0 <2.0.0'");
  });

  it('writes the scenario table: wire-named arguments in, the wire shape out', () => {
    const thing: NamedType = {
      kind: 'object',
      name: 'Thing',
      fields: [{ wireName: 'id', type: { kind: 'string' }, required: true }],
    };
    const get = operation({
      id: 'things.get',
      method: 'GET',
      path: '/things/{id}',
      params: [
        { wireName: 'id', location: 'path', type: { kind: 'string' }, required: true },
        { wireName: 'limit', location: 'query', type: { kind: 'integer' }, required: false },
      ],
      response: { kind: 'json', type: { kind: 'named', name: 'Thing' } },
    });
    const put = operation({
      id: 'things.put',
      method: 'PUT',
      path: '/things/{id}',
      params: [{ wireName: 'id', location: 'path', type: { kind: 'string' }, required: true }],
      body: { kind: 'bytes', mediaType: 'application/octet-stream', required: true },
    });
    const table = render(model([get, put], [thing]))['test/scenario_calls.dart'] ?? '';
    expect(table).toContain('final scenarioTable = ScenarioTable<AerostackClient>(');
    expect(table).toContain(
      "    'things.get': (client, a) async => (await client.things.get(a.path['id'] as String, limit: a.query['limit'] == null ? null : (a.query['limit'] as num).toInt())).toJson(),",
    );
    expect(table).toContain(
      "    'things.put': (client, a) async {\n      await client.things.put(a.path['id'] as String, body: BytesUpload(a.bytes!));",
    );
  });

  it('writes the fixture client under test/ importing the package runtime', () => {
    const files = generateDart(model([operation({ id: 'things.ping', method: 'GET', path: '/ping' })]), {
      target: 'fixtures',
    });
    expect(files.map((f) => f.path)).toEqual([
      'dart/test/fixture_client/fixture_client.dart',
      'dart/test/fixture_client/models.dart',
      'dart/test/fixture_client/api/things.dart',
      'dart/test/fixture_client/scenario_calls.dart',
    ]);
    for (const f of files) expect(dartSyntaxErrors(f.content), f.path).toEqual([]);
    expect(files[0]?.content).toContain('class FixtureClient {');
    expect(files[0]?.content).toContain("import 'package:aerostack/src/transport.dart';");
    expect(files[2]?.content).toContain("import 'package:aerostack/src/transport.dart';");
  });
});
