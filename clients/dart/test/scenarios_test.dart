// The cross-language scenarios (scenarios/*.json; the only place their expected values live) run
// through this client's public API, as scenarios/README.md describes: under
// scripts/with-platform.sh, which exports AEROSTACK_URL and the keys; scenarios/fixtures/*.json too
// with AEROSTACK_FIXTURES=1 (the platform started with --fixtures), through the fixture client.
import 'dart:convert';
import 'dart:io';
import 'dart:math';

import 'package:aerostack/aerostack.dart';
import 'package:crypto/crypto.dart' show sha256;
import 'package:test/test.dart';

import 'fixture_client/scenario_calls.dart' as fixtures;
import 'scenario_calls.dart' as api;
import 'scenario_table.dart';

final Map<String, String> env = Platform.environment;

List<File> scenarioFiles(String folder) =>
    (Directory(folder).listSync().whereType<File>().where((f) => f.path.endsWith('.json')).toList()
      ..sort((a, b) => a.path.compareTo(b.path)));

void main() {
  final url = env['AEROSTACK_URL'];
  final skip = url == null ? 'needs AEROSTACK_URL and the keys (scripts/with-platform.sh)' : null;
  for (final file in scenarioFiles('../../scenarios')) {
    test('scenario ${file.uri.pathSegments.last}', () => run(file, api.scenarioTable, url!), skip: skip);
  }
  final fixtureSkip = skip ?? (env['AEROSTACK_FIXTURES'] == '1' ? null : 'needs AEROSTACK_FIXTURES=1');
  for (final file in scenarioFiles('../../scenarios/fixtures')) {
    test('fixture scenario ${file.uri.pathSegments.last}', () => run(file, fixtures.scenarioTable, url!),
        skip: fixtureSkip);
  }
}

final Random _random = Random.secure();

String uniqueSuffix() =>
    List.generate(12, (_) => 'abcdefghijklmnopqrstuvwxyz0123456789'[_random.nextInt(36)]).join();

Future<void> run<C>(File file, ScenarioTable<C> table, String url) async {
  final scenario = jsonDecode(file.readAsStringSync()) as Map<String, Object?>;
  final vars = <String, Object?>{'unique': uniqueSuffix()};
  final clients = <String?, C>{};
  try {
    for (final raw in (scenario['steps'] as List<Object?>).cast<Map<String, Object?>>()) {
      final step = substitute(raw, vars) as Map<String, Object?>;
      final name = '${scenario['name']}: ${step['name'] ?? step['call']}';
      final credential = credentialOf((step['credential'] ?? scenario['credential'] ?? 'secretKey') as String);
      final client = clients.putIfAbsent(credential, () => table.client(url, credential));
      final body = step['body'];
      final bytes = body is Map<String, Object?> && body['\$bytes'] is Map<String, Object?>
          ? generatedBytes(body['\$bytes'] as Map<String, Object?>)
          : null;
      final args = ScenarioArgs(
        path: (step['path'] ?? const <String, Object?>{}) as Map<String, Object?>,
        query: (step['query'] ?? const <String, Object?>{}) as Map<String, Object?>,
        headers: (step['headers'] ?? const <String, Object?>{}) as Map<String, Object?>,
        bodyValue: bytes == null ? body : null,
        bytes: bytes,
      );
      final call = step['call'] as String;
      final expected = step['expect'] as Map<String, Object?>;
      Object? result;
      if (expected.containsKey('pages')) {
        final pages = expected['pages'] as Map<String, Object?>;
        final paged = ScenarioArgs(
          path: args.path,
          query: {...args.query, 'limit': pages['pageSize']},
          headers: step['headers'] as Map<String, Object?>? ?? const {},
          bodyValue: args.bodyValue,
        );
        final items = await table.pages[call]!(client, paged).toList();
        expectMatch(pages['items'], items, name);
        continue;
      }
      if (expected.containsKey('events')) {
        final events = expected['events'] as Map<String, Object?>;
        final got = await table.events[call]!(client, args).take(events['take'] as int).toList();
        expectMatch(events['match'], got, name);
        continue;
      }
      try {
        if (table.events.containsKey(call)) {
          result = await table.events[call]!(client, args).first;
        } else {
          result = await table.calls[call]!(client, args);
        }
      } on AerostackException catch (error) {
        if (!expected.containsKey('error')) fail('$name: unexpected $error');
        expectMatch(expected['error'], {
          'status': error.status,
          'code': error.code,
          'title': error.title,
          'detail': error.detail,
          'requestId': error.requestId,
        }, name);
        continue;
      }
      if (expected.containsKey('error')) fail('$name: succeeded, expected ${expected['error']}');
      if (expected.containsKey('empty')) {
        expect(result, isNull, reason: name);
      } else if (expected.containsKey('bytes')) {
        final want = expected['bytes'] as Map<String, Object?>;
        final download = result as BinaryResponse;
        final content = await download.readBytes();
        if (want['status'] != null) expect(download.status, want['status'], reason: name);
        if (want['length'] != null) expect(content.length, want['length'], reason: name);
        if (want['sha256'] != null) expect(sha256.convert(content).toString(), want['sha256'], reason: name);
      } else {
        expectMatch(expected['result'], result, name);
      }
      final save = step['save'] as Map<String, Object?>?;
      for (final e in (save ?? const <String, Object?>{}).entries) {
        vars[e.key] = dig(result, e.value as String);
      }
    }
  } finally {
    for (final client in clients.values) {
      table.close(client);
    }
  }
}

/// The credential a step names: one of the platform's first keys, none, or the value itself.
String? credentialOf(String name) {
  switch (name) {
    case 'secretKey':
      return env['AEROSTACK_SECRET_KEY'];
    case 'accountKey':
      return env['AEROSTACK_ACCOUNT_KEY'];
    case 'publishableKey':
      return env['AEROSTACK_PUBLISHABLE_KEY'];
    case 'none':
      return null;
  }
  return name;
}

final RegExp _variable = RegExp(r'\$\{([^}]+)\}');

/// [value] with `${name}` replaced; a string that is exactly one variable keeps the value's type.
Object? substitute(Object? value, Map<String, Object?> vars) {
  Object? lookup(String name) => name.startsWith('env.') ? env[name.substring(4)] : vars[name];
  if (value is String) {
    final whole = _variable.firstMatch(value);
    if (whole != null && whole.start == 0 && whole.end == value.length) return lookup(whole.group(1)!);
    return value.replaceAllMapped(_variable, (m) => '${lookup(m.group(1)!)}');
  }
  if (value is List<Object?>) return value.map((v) => substitute(v, vars)).toList();
  if (value is Map<String, Object?>) return value.map((k, v) => MapEntry(k, substitute(v, vars)));
  return value;
}

/// `$bytes`: `size` bytes where byte i is `(i × 31 + seedSum) mod 251`.
List<int> generatedBytes(Map<String, Object?> spec) {
  final seedSum = utf8.encode(spec['seed'] as String).fold<int>(0, (a, b) => a + b);
  return List<int>.generate(spec['size'] as int, (i) => (i * 31 + seedSum) % 251);
}

/// The value at a dot path (`data.0.id`) of a result.
Object? dig(Object? value, String path) {
  var current = value;
  for (final part in path.split('.')) {
    if (current is List<Object?>) {
      current = current[int.parse(part)];
    } else if (current is Map<String, Object?>) {
      current = current[part];
    } else {
      return null;
    }
  }
  return current;
}

void expectMatch(Object? matcher, Object? actual, String name) {
  final problem = mismatch(matcher, actual, r'$');
  if (problem != null) fail('$name: $problem\n  actual: ${jsonEncode(actual)}');
}

/// Why [actual] does not match [m] (scenarios/README.md: matchers), or null when it does.
String? mismatch(Object? m, Object? actual, String at) {
  if (m is Map<String, Object?> && m.length == 1 && m.keys.first.startsWith(r'$')) {
    final key = m.keys.first;
    final arg = m[key];
    switch (key) {
      case r'$type':
        return jsonType(actual) == arg || (arg == 'number' && actual is num) ? null : '$at is not a $arg';
      case r'$match':
        return actual is String && RegExp(arg as String).hasMatch(actual) ? null : '$at does not match $arg';
      case r'$length':
        final length = actual is String ? actual.length : (actual is List<Object?> ? actual.length : -1);
        return length == arg ? null : '$at has length $length, not $arg';
      case r'$contains':
        return actual is List<Object?> && actual.any((item) => mismatch(arg, item, at) == null)
            ? null
            : '$at contains nothing matching $arg';
    }
  }
  if (m is Map<String, Object?>) {
    if (actual is! Map<String, Object?>) return '$at is not an object';
    for (final e in m.entries) {
      final value = e.value;
      if (value is Map<String, Object?> && value.length == 1 && value[r'$absent'] == true) {
        if (actual.containsKey(e.key)) return '$at.${e.key} is present';
        continue;
      }
      if (!actual.containsKey(e.key)) return '$at.${e.key} is missing';
      final problem = mismatch(value, actual[e.key], '$at.${e.key}');
      if (problem != null) return problem;
    }
    return null;
  }
  if (m is List<Object?>) {
    if (actual is! List<Object?> || actual.length != m.length) return '$at is not a list of ${m.length}';
    for (var i = 0; i < m.length; i++) {
      final problem = mismatch(m[i], actual[i], '$at[$i]');
      if (problem != null) return problem;
    }
    return null;
  }
  if (m is num && actual is num) return m == actual ? null : '$at is $actual, not $m';
  return m == actual ? null : '$at is ${jsonEncode(actual)}, not ${jsonEncode(m)}';
}

String jsonType(Object? value) {
  if (value == null) return 'null';
  if (value is bool) return 'boolean';
  if (value is int) return 'integer';
  if (value is num) return value == value.roundToDouble() ? 'integer' : 'number';
  if (value is String) return 'string';
  if (value is List<Object?>) return 'array';
  return 'object';
}
