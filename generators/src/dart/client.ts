// lib/aerostack.dart (the library), lib/src/client.dart, error_codes.dart, version.dart and pubspec.yaml.
import type { ApiModel } from '../model/index.js';
import { camelCase } from '../naming.js';
import { apiFile, apiName } from './api.js';
import { dartDoc, dartName, dartString } from './naming.js';

/** Where a client's files find the hand-written runtime, and what its class is called. */
export interface DartTarget {
  /** `AerostackClient`, or `FixtureClient` for the fixture client under test/. */
  className: string;
  /** The prefix of runtime imports from the client's folder: `''` in lib/src, `package:aerostack/src/` elsewhere. */
  runtime: string;
}

export const API_TARGET: DartTarget = { className: 'AerostackClient', runtime: '' };

export function renderClient(model: ApiModel, target: DartTarget = API_TARGET): string {
  const tops = model.root.children;
  const { className, runtime } = target;
  const imports = tops.map((ns) => `import 'api/${apiFile(ns)}';`);
  const exports =
    runtime === '' ? [] : ['', ...tops.map((ns) => `export 'api/${apiFile(ns)}';`), "export 'models.dart';"];
  const fields = tops.flatMap((ns) => [
    '',
    ...dartDoc('  ', [ns.description ?? `The \`${ns.path[0]}\` operations.`]),
    `  late final ${apiName(ns)} ${dartName(ns.path[0] ?? '')} = ${apiName(ns)}(_transport);`,
  ]);
  return [
    "import 'package:http/http.dart' as http;",
    '',
    ...imports,
    `import '${runtime}behaviour.dart';`,
    `import '${runtime}transport.dart';`,
    ...exports,
    '',
    ...dartDoc('', [
      `A client of ${model.title}.`,
      '',
      'Operations are methods on namespaces named after their operationId: `cache.get` is',
      '`client.cache.get()`, `projects.keys.rotate` is `client.projects.keys.rotate()`.',
      'Failed calls throw an [AerostackException].',
      '',
      '```dart',
      `final client = ${className}('${model.defaultServer}', credential: 'sk_...');`,
      ...(model.operations.some((o) => o.id === 'cache.set')
        ? ["await client.cache.set('greeting', value: 'hello', ttlSeconds: 60);"]
        : []),
      'client.close();',
      '```',
    ]),
    `class ${className} {`,
    ...dartDoc('  ', [
      'Creates a client for the platform at [baseUrl].',
      '',
      '[credential] is an account key (`ak_`), a project secret key (`sk_`) or a publishable',
      'key (`pk_`), sent as `Authorization: Bearer`. [timeout] bounds each attempt, which is',
      'aborted when it passes; [maxRetries] is how often a retryable attempt is retried',
      '(spec/clients/README.md). Every method also takes `options:` ([RequestOptions]) for one call.',
    ]),
    `  ${className}(`,
    '    String baseUrl, {',
    '    String? credential,',
    '    http.Client? httpClient,',
    '    Duration timeout = const Duration(seconds: 30),',
    '    int maxRetries = Behaviour.maxRetries,',
    '    Map<String, String> headers = const {},',
    '  }) : _transport = Transport(',
    '          baseUrl,',
    '          credential: credential,',
    '          httpClient: httpClient,',
    '          timeout: timeout,',
    '          maxRetries: maxRetries,',
    '          headers: headers,',
    '        );',
    '',
    '  final Transport _transport;',
    ...fields,
    '',
    '  /// Closes the underlying HTTP client, unless it was passed in.',
    '  void close() => _transport.close();',
    '}',
  ].join('\n');
}

export function renderErrorCodes(model: ApiModel): string {
  const lines = model.errorCodes.flatMap((c) => [
    '',
    ...dartDoc('  ', [`${c.title} (${c.status}).${c.description ? ` ${c.description}` : ''}`]),
    `  static const ${camelCase(c.code)} = ${dartString(c.code)};`,
  ]);
  const client = model.behaviour.clientErrors;
  return [
    ...dartDoc('', [
      "The error codes the platform documents, and the client's own (`client/…`); compare them",
      'with [AerostackException.code].',
      '',
      '```dart',
      'if (error.code == ErrorCode.cacheNotFound) { … }',
      '```',
    ]),
    'abstract final class ErrorCode {',
    '  /// The platform could not be reached, or the connection broke (status 0).',
    `  static const clientNetwork = ${dartString(client.network)};`,
    '',
    "  /// An attempt took longer than the client's timeout and was aborted (status 0).",
    `  static const clientTimeout = ${dartString(client.timeout)};`,
    '',
    '  /// An answer that is not a problem document, or a success that is not the declared JSON.',
    `  static const clientInvalidResponse = ${dartString(client.invalidResponse)};`,
    '',
    '  /// The caller cancelled the call through [RequestOptions.cancel] (status 0).',
    `  static const clientAborted = ${dartString(client.aborted)};`,
    ...lines,
    '}',
  ].join('\n');
}

export function renderVersion(model: ApiModel): string {
  return [
    '/// The version of the API this client was generated from.',
    `const packageVersion = ${dartString(model.version)};`,
  ].join('\n');
}

export function renderLibrary(model: ApiModel): string {
  const apis = model.root.children.map((ns) => `export 'src/api/${apiFile(ns)}';`);
  return [
    `/// The Dart client of ${model.title}.`,
    '///',
    '/// This is the public API: the client, its namespaces, the models, the errors.',
    'library;',
    '',
    ...apis,
    "export 'src/behaviour.dart';",
    "export 'src/binary_response.dart';",
    "export 'src/client.dart';",
    "export 'src/error_codes.dart';",
    "export 'src/exception.dart' hide errorFromResponse, invalidSuccess;",
    "export 'src/models.dart';",
    "export 'src/optional.dart';",
    "export 'src/pagination.dart';",
    "export 'src/request_options.dart';",
    "export 'src/retry.dart' show AttemptOutcome, isRetryable, newIdempotencyKey, retryDelayMs;",
    "export 'src/sse.dart';",
    "export 'src/upload.dart';",
    "export 'src/version.dart';",
  ].join('\n');
}

export function renderPubspec(model: ApiModel): string {
  return [
    'name: aerostack',
    `description: Dart client of ${model.title}, generated from its OpenAPI spec.`,
    `version: ${model.version}`,
    'publish_to: none',
    '',
    'environment:',
    // package:http 1.5 brings abortable requests (a timeout closes the connection); it needs Dart 3.4.
    "  sdk: '>=3.4.0 <4.0.0'",
    '',
    'dependencies:',
    "  http: '>=1.5.0 <2.0.0'",
    "  http_parser: '>=4.0.0 <5.0.0'",
    '',
    'dev_dependencies:',
    "  crypto: '>=3.0.0 <4.0.0'",
    "  test: '>=1.24.0 <2.0.0'",
  ].join('\n');
}
