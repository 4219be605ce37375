import 'dart:async';
import 'dart:convert';
import 'dart:math';

import 'package:http/http.dart' as http;

import 'error_codes.dart';
import 'exception.dart';
import 'version.dart';

const _idempotent = {'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'};
const _minBackoff = Duration(milliseconds: 500);
const _maxBackoff = Duration(seconds: 8);
const _maxRetryAfter = Duration(seconds: 60);

bool _retryableStatus(int status) => status == 408 || status == 409 || status == 429 || status >= 500;

/// The HTTP layer shared by every namespace of a client: credentials, timeouts, retries
/// with jittered exponential backoff (honouring `Retry-After`), errors.
class Transport {
  /// Used by [AerostackClient].
  Transport(
    String baseUrl, {
    this.credential,
    http.Client? httpClient,
    required this.timeout,
    required this.maxRetries,
    Map<String, String> headers = const {},
  })  : baseUrl = baseUrl.endsWith('/') ? baseUrl.substring(0, baseUrl.length - 1) : baseUrl,
        _client = httpClient ?? http.Client(),
        _ownsClient = httpClient == null,
        _headers = {
          'Accept': 'application/json, application/problem+json',
          'User-Agent': 'aerostack-dart/$packageVersion',
          ...headers,
        };

  /// The platform's URL, without a trailing slash.
  final String baseUrl;

  /// The bearer credential, if any.
  final String? credential;

  /// The limit of each attempt.
  final Duration timeout;

  /// How often a retryable call is retried.
  final int maxRetries;

  final http.Client _client;
  final bool _ownsClient;
  final Map<String, String> _headers;
  final Random _random = Random();

  /// Closes the HTTP client if this transport created it.
  void close() {
    if (_ownsClient) _client.close();
  }

  /// Sends one operation call and returns its decoded JSON body (null when empty).
  ///
  /// [contentType] is the media type of [body]: `application/json` or another `+json` type
  /// such as `application/merge-patch+json`.
  Future<Object?> request(
    String method,
    String path, {
    Map<String, String?> query = const {},
    Map<String, String?> headers = const {},
    Object? body,
    String contentType = 'application/json',
    bool auth = true,
  }) async {
    final params = {
      for (final e in query.entries)
        if (e.value != null) e.key: e.value!,
    };
    final uri = Uri.parse('$baseUrl$path').replace(queryParameters: params.isEmpty ? null : params);
    final merged = {
      ..._headers,
      for (final e in headers.entries)
        if (e.value != null) e.key: e.value!,
      if (auth && credential != null) 'Authorization': 'Bearer $credential',
      if (body != null) 'Content-Type': contentType,
    };
    final payload = body == null ? null : utf8.encode(jsonEncode(body));
    final retryable = _idempotent.contains(method) || merged.containsKey('Idempotency-Key');
    for (var attempt = 0;; attempt++) {
      final canRetry = retryable && attempt < maxRetries;
      final http.Response response;
      try {
        response = await _send(method, uri, merged, payload).timeout(timeout);
      } on TimeoutException catch (error) {
        if (!canRetry) throw _noAnswer(ErrorCode.clientTimeout, error);
        await Future<void>.delayed(_backoff(attempt, null));
        continue;
      } on http.ClientException catch (error) {
        if (!canRetry) throw _noAnswer(ErrorCode.clientConnectionError, error);
        await Future<void>.delayed(_backoff(attempt, null));
        continue;
      }
      final status = response.statusCode;
      if (status >= 200 && status < 300) {
        return response.bodyBytes.isEmpty ? null : jsonDecode(utf8.decode(response.bodyBytes));
      }
      if (canRetry && _retryableStatus(status)) {
        await Future<void>.delayed(_backoff(attempt, response.headers['retry-after']));
        continue;
      }
      throw AerostackException.fromResponse(
        status,
        response.headers['x-request-id'],
        response.reasonPhrase,
        _decode(response),
      );
    }
  }

  Future<http.Response> _send(String method, Uri uri, Map<String, String> headers, List<int>? payload) async {
    final request = http.Request(method, uri)..headers.addAll(headers);
    if (payload != null) request.bodyBytes = payload;
    return http.Response.fromStream(await _client.send(request));
  }

  /// Retry-After (seconds) when the platform sent one, else exponential with jitter.
  Duration _backoff(int attempt, String? retryAfter) {
    final seconds = retryAfter == null ? null : double.tryParse(retryAfter);
    if (seconds != null) {
      final wait = Duration(milliseconds: (seconds * 1000).round());
      if (wait.isNegative) return Duration.zero;
      return wait > _maxRetryAfter ? _maxRetryAfter : wait;
    }
    var delay = _minBackoff * pow(2, attempt).toInt();
    if (delay > _maxBackoff) delay = _maxBackoff;
    final half = delay.inMicroseconds ~/ 2;
    return Duration(microseconds: half + _random.nextInt(half + 1));
  }

  static Object? _decode(http.Response response) {
    final text = utf8.decode(response.bodyBytes, allowMalformed: true);
    try {
      return jsonDecode(text);
    } on FormatException {
      return text;
    }
  }

  static AerostackException _noAnswer(String code, Object error) => AerostackException(
        code: code,
        status: 0,
        title: 'No answer from the platform',
        detail: error.toString(),
        cause: error,
      );
}
