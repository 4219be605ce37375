// The shared client cases (spec/clients/cases.json, the only place their expected values live)
// against this client's implementation of spec/clients/behaviour.json, and the transport's use of
// them over package:http's MockClient. Run with `dart test` in clients/dart.
import 'dart:async';
import 'dart:convert';
import 'dart:io';

import 'package:aerostack/aerostack.dart';
import 'package:aerostack/src/exception.dart' show errorFromResponse;
import 'package:aerostack/src/transport.dart';
import 'package:http/http.dart' as http;
import 'package:http/testing.dart';
import 'package:test/test.dart';

/// spec/clients/cases.json, from the package folder (clients/dart) where `dart test` runs.
final Map<String, Object?> cases =
    jsonDecode(File('../../spec/clients/cases.json').readAsStringSync()) as Map<String, Object?>;

List<Map<String, Object?>> table(String name) => (cases[name] as List<Object?>).cast<Map<String, Object?>>();

void main() {
  group('isRetryable', () {
    for (final c in table('retry')) {
      test(c['name'] as String, () {
        final outcome = AttemptOutcome.values.byName(c['outcome'] as String);
        final retry = isRetryable(c['method'] as String, c['idempotencyKey'] as bool, outcome, c['status'] as int?);
        expect(retry, c['retry']);
      });
    }
  });

  group('retryDelayMs', () {
    for (final c in table('delay')) {
      test(c['name'] as String, () {
        final delay = retryDelayMs(
          c['n'] as int,
          c['retryAfter'] as String?,
          c['nowMs'] as int,
          (c['r'] as num).toDouble(),
        );
        expect(delay, c['delayMs']);
      });
    }
  });

  group('errorFromResponse', () {
    for (final c in table('errors')) {
      test(c['name'] as String, () {
        final headers = (c['headers'] as Map<String, Object?>).map((k, v) => MapEntry(k.toLowerCase(), v as String));
        final error = errorFromResponse(c['status'] as int, headers, utf8.encode(c['body'] as String));
        final actual = <String, Object?>{
          'status': error.status,
          'code': error.code,
          'title': error.title,
          'detail': error.detail,
          'requestId': error.requestId,
        };
        final expected = c['expect'] as Map<String, Object?>;
        for (final key in expected.keys) {
          expect(actual[key], expected[key], reason: key);
        }
      });
    }
  });

  test('idempotency keys are the prefix and 32 lower-case hex digits, new for every call', () {
    final keys = List.generate(50, (_) => newIdempotencyKey());
    for (final key in keys) {
      expect(key, matches(RegExp('^${RegExp.escape(Behaviour.idempotencyKeyPrefix)}[0-9a-f]{32}\$')));
    }
    expect(keys.toSet(), hasLength(keys.length));
  });

  group('the transport', () {
    Transport over(MockClient client, {Duration timeout = const Duration(seconds: 5)}) =>
        Transport('http://platform', httpClient: client, timeout: timeout, maxRetries: 2);

    test('sends one generated Idempotency-Key on every retry of a call', () async {
      final keys = <String?>[];
      final transport = over(MockClient((request) async {
        keys.add(request.headers[Behaviour.idempotencyHeader]);
        return keys.length < 3
            ? http.Response('', 503, headers: {'retry-after': '0'})
            : http.Response('{"ok":true}', 200);
      }));
      final result = await transport.json('POST', '/v1/things', (json) => json, body: const JsonPayload({}), idempotencyKey: true);
      expect(result, {'ok': true});
      expect(keys, hasLength(3));
      expect(keys.toSet(), hasLength(1));
      expect(keys.first, startsWith(Behaviour.idempotencyKeyPrefix));
    });

    test('never retries a POST without a key after a status', () async {
      var calls = 0;
      final transport = over(MockClient((request) async {
        calls++;
        return http.Response('', 503, headers: {'retry-after': '0'});
      }));
      await expectLater(
        transport.json('POST', '/v1/cache/k/increment', (json) => json, body: const JsonPayload({})),
        throwsA(isA<InternalServerException>().having((e) => e.code, 'code', ErrorCode.clientInvalidResponse)),
      );
      expect(calls, 1);
    });

    test('a problem document becomes the exception of its status', () async {
      final transport = over(MockClient((request) async => http.Response(
            '{"title":"Not found","status":404,"code":"cache/not-found","requestId":"req_1"}',
            404,
            headers: {'content-type': 'application/problem+json'},
          )));
      await expectLater(
        transport.json('GET', '/v1/cache/k', (json) => json),
        throwsA(isA<NotFoundException>()
            .having((e) => e.code, 'code', 'cache/not-found')
            .having((e) => e.requestId, 'requestId', 'req_1')),
      );
    });

    test('a 2xx that is not the declared JSON is client/invalid-response', () async {
      final transport = over(MockClient((request) async => http.Response('<html>', 200)));
      await expectLater(
        transport.json('GET', '/v1/x', (json) => json),
        throwsA(isA<AerostackException>().having((e) => e.code, 'code', ErrorCode.clientInvalidResponse)),
      );
    });

    test('an attempt past the timeout fails with client/timeout', () async {
      final transport = over(
        MockClient((request) => Completer<http.Response>().future),
        timeout: const Duration(milliseconds: 50),
      );
      await expectLater(
        transport.json('POST', '/v1/x', (json) => json, body: const JsonPayload({})),
        throwsA(isA<AerostackTimeoutException>()),
      );
    });

    test('a cancelled call fails with client/aborted', () async {
      final stop = Completer<void>();
      final transport = over(MockClient((request) => Completer<http.Response>().future));
      final call = transport.json('GET', '/v1/x', (json) => json, options: RequestOptions(cancel: stop.future));
      stop.complete();
      await expectLater(call, throwsA(isA<AerostackAbortedException>()));
    });

    test('server-sent events are parsed and typed', () async {
      final transport = over(MockClient((request) async => http.Response(
            'id: 1\nevent: tick\ndata: {"n":1}\n\n: comment\nid: 2\nevent: tick\ndata: {"n":2}\n\n',
            200,
            headers: {'content-type': 'text/event-stream'},
          )));
      final events = await transport.events('GET', '/test/events', (e) => '${e.id}:${e.event}:${e.json()}').toList();
      expect(events, ['1:tick:{n: 1}', '2:tick:{n: 2}']);
    });

    test('downloads stream with their status and headers', () async {
      final transport = over(MockClient((request) async => http.Response.bytes(
            [1, 2, 3],
            206,
            headers: {'content-range': 'bytes 0-2/10', 'etag': '"v1"'},
          )));
      final download = await transport.bytes('GET', '/test/blobs/a', statuses: {200, 206, 304});
      expect(download.status, 206);
      expect(download.etag, '"v1"');
      expect(await download.readBytes(), [1, 2, 3]);
    });
  });
}
