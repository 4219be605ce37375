import 'dart:async';
import 'dart:convert';

import 'package:http/http.dart' as http;
import 'package:http_parser/http_parser.dart' show MediaType;

import 'behaviour.dart';
import 'binary_response.dart';
import 'connect_error.dart' if (dart.library.io) 'connect_error_io.dart';
import 'exception.dart';
import 'request_options.dart';
import 'retry.dart';
import 'sse.dart';
import 'upload.dart';
import 'version.dart';

/// What a call sends: JSON, bytes, or a multipart form. Built by the generated methods.
sealed class Payload {
  const Payload();
}

/// A JSON body sent as [contentType] (`application/json`, `application/merge-patch+json`, …).
final class JsonPayload extends Payload {
  /// [value] is already JSON (maps, lists, strings, numbers, booleans, null).
  const JsonPayload(this.value, {this.contentType = 'application/json'});

  /// The JSON value.
  final Object? value;

  /// The media type.
  final String contentType;
}

/// Raw bytes sent as [contentType] unless the [upload] names its own.
final class BytesPayload extends Payload {
  /// Sends [upload].
  const BytesPayload(this.upload, {required this.contentType});

  /// The bytes.
  final Upload upload;

  /// The operation's media type.
  final String contentType;
}

/// A `multipart/form-data` body: text [fields] and [files].
final class MultipartPayload extends Payload {
  /// Sends [fields] and [files]; null values are left out.
  const MultipartPayload({this.fields = const {}, this.files = const {}});

  /// Text parts.
  final Map<String, String?> fields;

  /// File parts.
  final Map<String, FilePart?> files;
}

/// A text part's value: strings as they are, other values as JSON.
String? formValue(Object? value) => value == null ? null : (value is String ? value : jsonEncode(value));

/// The HTTP layer shared by every namespace of a client: credentials, per-attempt timeouts that
/// abort the request, the retry rules of spec/clients/README.md (constants in [Behaviour]),
/// idempotency keys, errors.
///
/// Timeouts abort the request through `package:http`'s abortable requests (`AbortableRequest`,
/// `AbortableStreamedRequest`, `AbortableMultipartRequest`, http >= 1.5): the default client closes
/// the connection. A custom [http.Client] that does not support aborting still makes the call fail
/// with `client/timeout` at the deadline, but its connection runs on until it ends.
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
        _headers = {'User-Agent': 'aerostack-dart/$packageVersion', ...headers};

  /// The platform's URL, without a trailing slash.
  final String baseUrl;

  /// The bearer credential, if any.
  final String? credential;

  /// The limit of each attempt.
  final Duration timeout;

  /// How often a retryable attempt is retried.
  final int maxRetries;

  final http.Client _client;
  final bool _ownsClient;
  final Map<String, String> _headers;

  /// Closes the HTTP client if this transport created it.
  void close() {
    if (_ownsClient) _client.close();
  }

  /// A call answering JSON: [decode] turns the JSON (null for an empty body) into the result; a
  /// body that is not JSON, or not the declared shape, fails with `client/invalid-response`.
  Future<T> json<T>(
    String method,
    String path,
    T Function(Object? json) decode, {
    Map<String, Object?> query = const {},
    Map<String, String?> headers = const {},
    Payload? body,
    bool auth = true,
    bool idempotencyKey = false,
    RequestOptions? options,
  }) async {
    final call = _Call(this, method, path, query, headers, body, auth, idempotencyKey, options,
        'application/json, application/problem+json');
    final answer = await call.send(_isSuccess, readBody: true);
    try {
      final bytes = answer.body!;
      return decode(bytes.isEmpty ? null : jsonDecode(utf8.decode(bytes)));
    } on AerostackException {
      rethrow;
    } catch (error) {
      throw invalidSuccess(answer.status, answer.headers, error);
    }
  }

  /// A call answering no content (or content that is ignored).
  Future<void> empty(
    String method,
    String path, {
    Map<String, Object?> query = const {},
    Map<String, String?> headers = const {},
    Payload? body,
    bool auth = true,
    bool idempotencyKey = false,
    RequestOptions? options,
  }) async {
    final call = _Call(this, method, path, query, headers, body, auth, idempotencyKey, options,
        'application/json, application/problem+json');
    await call.send(_isSuccess, readBody: true);
  }

  /// A call answering bytes, streamed: the timeout covers the attempt until the headers arrive;
  /// [statuses] are the answers that are not errors (`200`, `206`, `304`, …).
  Future<BinaryResponse> bytes(
    String method,
    String path, {
    required Set<int> statuses,
    Map<String, Object?> query = const {},
    Map<String, String?> headers = const {},
    Payload? body,
    bool auth = true,
    bool idempotencyKey = false,
    RequestOptions? options,
  }) async {
    final call = _Call(this, method, path, query, headers, body, auth, idempotencyKey, options, '*/*');
    final answer = await call.send((s) => statuses.contains(s) || _isSuccess(s), readBody: false);
    return BinaryResponse(answer.status, answer.headers, call.guard(answer.stream!));
  }

  /// A call answering a `text/event-stream`, as typed events ([decode] reads one).
  ///
  /// A call that is safe to repeat (a GET, or one with an `Idempotency-Key`: the same key again)
  /// reconnects with `Last-Event-ID` (the last id seen) after the connection drops, after the
  /// platform reports a retryable failure as an `error` event, and — when the operation declares
  /// [emptyStatuses] (`204`: nothing after that id) — after the server ends the response, until
  /// that empty answer comes. It waits the server's `retry:` or the backoff, and gives up after the
  /// call's `maxRetries` reconnections in a row that brought no event.
  Stream<T> events<T>(
    String method,
    String path,
    T Function(ServerSentEvent event) decode, {
    Set<int> emptyStatuses = const {},
    Map<String, Object?> query = const {},
    Map<String, String?> headers = const {},
    Payload? body,
    bool auth = true,
    bool idempotencyKey = false,
    RequestOptions? options,
  }) async* {
    const lastEventHeader = 'last-event-id';
    final fixed = <String, String?>{
      for (final e in headers.entries)
        if (e.key.toLowerCase() != lastEventHeader) e.key: e.value,
    };
    var lastEventId = headers.entries
        .where((e) => e.key.toLowerCase() == lastEventHeader && e.value != null)
        .map((e) => e.value)
        .firstOrNull;
    final keyHeader = Behaviour.idempotencyHeader.toLowerCase();
    final given = fixed.entries.any((e) => e.key.toLowerCase() == keyHeader && e.value != null) ||
        (options?.headers.keys.any((k) => k.toLowerCase() == keyHeader) ?? false);
    // One key for the call and every reconnection of it.
    if (idempotencyKey && !given) fixed[Behaviour.idempotencyHeader] = newIdempotencyKey();
    final hasKey = given || idempotencyKey;
    final resumable = isRetryable(method, hasKey, AttemptOutcome.network);
    final retries = options?.maxRetries ?? maxRetries;
    var quiet = 0; // reconnections in a row that brought no event
    int? serverRetryMs;
    while (true) {
      final call = _Call(this, method, path, query, {...fixed, 'Last-Event-ID': lastEventId}, body, auth, false,
          options, 'text/event-stream, application/problem+json');
      final answer = await call.send(_isSuccess, readBody: false);
      if (emptyStatuses.contains(answer.status)) {
        await answer.stream!.drain<void>().catchError((Object _) {});
        return;
      }
      AerostackException? failure;
      try {
        await for (final event in parseServerSentEvents(call.guard(answer.stream!))) {
          if (event.retry != null) serverRetryMs = event.retry;
          if (event.event == 'error') throw _streamFailure(event, answer);
          quiet = 0;
          if (event.id != null) lastEventId = event.id;
          final T typed;
          try {
            typed = decode(event);
          } catch (error) {
            throw invalidSuccess(answer.status, answer.headers, error);
          }
          yield typed;
        }
        // The server ended the response: without a declared empty answer that is the end.
        if (emptyStatuses.isEmpty || !resumable) return;
      } on AerostackException catch (error) {
        final again = error is AerostackConnectionException ||
            (error.status > 0 && isRetryable(method, hasKey, AttemptOutcome.status, error.status));
        if (!resumable || !again || error is AerostackAbortedException) rethrow;
        failure = error;
      }
      if (quiet >= retries || !call._replayable()) {
        if (failure != null) throw failure;
        return;
      }
      final backoff = retryDelayMs(quiet, null, DateTime.now().millisecondsSinceEpoch, jitterDraw());
      await call.wait(serverRetryMs != null && serverRetryMs > backoff ? serverRetryMs : backoff);
      quiet++;
    }
  }

  /// The platform reports a failure after the headers as an `error` event whose data is a problem.
  static AerostackException _streamFailure(ServerSentEvent event, _Answer answer) {
    Object? problem;
    try {
      problem = event.json();
    } on FormatException {
      problem = null;
    }
    final status = problem is Map<String, Object?> ? problem['status'] : null;
    final code = status is int && status >= 400 && status <= 599 ? status : 500;
    return errorFromResponse(code, answer.headers, utf8.encode(event.data));
  }
}

bool _isSuccess(int status) => status >= 200 && status < 300;

/// What an attempt brought back.
class _Answer {
  _Answer(this.status, this.headers, {this.body, this.stream});

  final int status;
  final Map<String, String> headers;
  final List<int>? body;
  final Stream<List<int>>? stream;
}

/// Raised inside an attempt when its abort trigger fired.
class _Aborted {
  const _Aborted();
}

/// One call: its attempts, retries and the abort trigger of the running attempt.
class _Call {
  _Call(
    this.transport,
    String method,
    String path,
    Map<String, Object?> query,
    Map<String, String?> headers,
    this.body,
    bool auth,
    bool generateKey,
    RequestOptions? options,
    String accept,
  )   : method = method.toUpperCase(),
        timeout = options?.timeout ?? transport.timeout,
        maxRetries = options?.maxRetries ?? transport.maxRetries,
        cancel = options?.cancel {
    final params = <String, Object>{
      for (final e in query.entries)
        if (e.value != null) e.key: e.value is Iterable ? [for (final v in e.value! as Iterable) '$v'] : '${e.value}',
    };
    final parsed = Uri.parse('${transport.baseUrl}$path');
    uri = params.isEmpty ? parsed : parsed.replace(queryParameters: params);
    this.headers = {
      'Accept': accept,
      ...transport._headers,
      for (final e in headers.entries)
        if (e.value != null) e.key: e.value!,
      ...?options?.headers,
      if (auth && transport.credential != null) 'Authorization': 'Bearer ${transport.credential}',
    };
    final keyHeader = Behaviour.idempotencyHeader.toLowerCase();
    final given = this.headers.keys.any((k) => k.toLowerCase() == keyHeader);
    // One key per call, sent on every attempt.
    if (generateKey && !given) this.headers[Behaviour.idempotencyHeader] = newIdempotencyKey();
    hasKey = given || generateKey;
    cancel?.then((_) {
      cancelled = true;
      final trigger = _abort;
      if (trigger != null && !trigger.isCompleted) trigger.complete();
    });
  }

  final Transport transport;
  final String method;
  late final Uri uri;
  late final Map<String, String> headers;
  late final bool hasKey;
  final Payload? body;
  final Duration timeout;
  final int maxRetries;
  final Future<void>? cancel;
  bool cancelled = false;
  Completer<void>? _abort;

  /// Sends attempts until one answers a status [accept]s, or the rules say stop. With [readBody]
  /// the timeout covers reading the whole body; otherwise it ends when the headers arrive.
  Future<_Answer> send(bool Function(int status) accept, {required bool readBody}) async {
    for (var attempt = 0;; attempt++) {
      if (cancelled) throw const AerostackAbortedException();
      final abort = Completer<void>();
      _abort = abort;
      var timedOut = false;
      final timer = Timer(timeout, () {
        timedOut = true;
        if (!abort.isCompleted) abort.complete();
      });
      final aborted = abort.future.then<Never>((_) => throw const _Aborted());
      aborted.ignore();
      AttemptOutcome outcome;
      Object? failure;
      String? retryAfter;
      try {
        final sent = transport._client.send(_request(abort.future));
        final http.StreamedResponse response;
        try {
          response = await Future.any<http.StreamedResponse>([sent, aborted]);
        } on _Aborted {
          // A client that ignores the abort trigger may still answer: drop that answer.
          unawaited(sent.then<void>((answer) {
            answer.stream.listen(null).cancel();
          }, onError: (Object _) {}));
          rethrow;
        }
        final status = response.statusCode;
        final headers = response.headers;
        if (accept(status)) {
          if (!readBody) {
            timer.cancel();
            return _Answer(status, headers, stream: response.stream);
          }
          final bytes = await Future.any<List<int>>([response.stream.toBytes(), aborted]);
          timer.cancel();
          return _Answer(status, headers, body: bytes);
        }
        final bytes = await Future.any<List<int>>([response.stream.toBytes(), aborted]);
        timer.cancel();
        if (!_canRetry(attempt, AttemptOutcome.status, status)) {
          throw errorFromResponse(status, headers, bytes, reason: response.reasonPhrase);
        }
        outcome = AttemptOutcome.status;
        retryAfter = headers['retry-after'];
      } on AerostackException {
        timer.cancel();
        rethrow;
      } on _Aborted catch (error) {
        failure = error;
        outcome = AttemptOutcome.timeout;
      } on http.ClientException catch (error) {
        failure = error;
        outcome = isConnectError(error) ? AttemptOutcome.connect : AttemptOutcome.network;
      } finally {
        timer.cancel();
      }
      if (cancelled) throw const AerostackAbortedException();
      if (timedOut) outcome = AttemptOutcome.timeout;
      if (outcome != AttemptOutcome.status && !_canRetry(attempt, outcome, null)) {
        if (outcome == AttemptOutcome.timeout) throw AerostackTimeoutException(timeout);
        throw AerostackConnectionException(failure ?? 'connection failed');
      }
      await wait(retryDelayMs(attempt, retryAfter, DateTime.now().millisecondsSinceEpoch, jitterDraw()));
    }
  }

  bool _canRetry(int attempt, AttemptOutcome outcome, int? status) =>
      attempt < maxRetries && _replayable() && isRetryable(method, hasKey, outcome, status);

  bool _replayable() {
    final payload = body;
    if (payload is BytesPayload) return _uploadReplayable(payload.upload);
    if (payload is MultipartPayload) {
      return payload.files.values.every((f) => f == null || _uploadReplayable(f.content));
    }
    return true;
  }

  static bool _uploadReplayable(Upload upload) => upload is! StreamUpload || !upload.consumed;

  /// Waits [ms] before the next attempt; the caller's cancel ends the wait.
  Future<void> wait(int ms) async {
    final delay = Future<void>.delayed(Duration(milliseconds: ms));
    final stop = cancel;
    await (stop == null ? delay : Future.any<void>([delay, stop]));
    if (cancelled) throw const AerostackAbortedException();
  }

  /// The body stream of an accepted answer, with transport errors as [AerostackException]s. When
  /// the listener cancels (or the body ends), the request is aborted, which closes the connection of
  /// a download or an event stream the caller stopped reading.
  Stream<List<int>> guard(Stream<List<int>> stream) async* {
    try {
      yield* stream.handleError(
        (Object error) =>
            throw cancelled ? const AerostackAbortedException() : AerostackConnectionException(error),
        test: (error) => error is http.ClientException,
      );
    } finally {
      final trigger = _abort;
      if (trigger != null && !trigger.isCompleted) trigger.complete();
    }
  }

  http.BaseRequest _request(Future<void> abortTrigger) {
    final payload = body;
    if (payload is MultipartPayload) {
      final request = http.AbortableMultipartRequest(method, uri, abortTrigger: abortTrigger)
        ..headers.addAll(headers);
      for (final e in payload.fields.entries) {
        final value = e.value;
        if (value != null) request.fields[e.key] = value;
      }
      for (final e in payload.files.entries) {
        final part = e.value;
        if (part != null) request.files.add(_file(e.key, part));
      }
      return request;
    }
    if (payload is BytesPayload) {
      final upload = payload.upload;
      final contentType = upload.contentType ?? payload.contentType;
      if (upload is StreamUpload) {
        final request = http.AbortableStreamedRequest(method, uri, abortTrigger: abortTrigger)
          ..headers.addAll(headers)
          ..headers['Content-Type'] = contentType
          ..contentLength = upload.length;
        upload.take().pipe(request.sink).catchError((Object _) {});
        return request;
      }
      return http.AbortableRequest(method, uri, abortTrigger: abortTrigger)
        ..headers.addAll(headers)
        ..headers['Content-Type'] = contentType
        ..bodyBytes = (upload as BytesUpload).bytes;
    }
    final request = http.AbortableRequest(method, uri, abortTrigger: abortTrigger)..headers.addAll(headers);
    if (payload is JsonPayload) {
      request
        ..headers['Content-Type'] = payload.contentType
        ..bodyBytes = utf8.encode(jsonEncode(payload.value));
    }
    return request;
  }

  static http.MultipartFile _file(String field, FilePart part) {
    final contentType = part.contentType ?? part.content.contentType;
    final type = contentType == null ? null : MediaType.parse(contentType);
    final content = part.content;
    if (content is StreamUpload) {
      final length = content.length;
      if (length == null) throw ArgumentError('A streamed multipart file part needs its length', field);
      return http.MultipartFile(field, content.take(), length, filename: part.filename, contentType: type);
    }
    final bytes = (content as BytesUpload).bytes;
    return http.MultipartFile.fromBytes(field, bytes, filename: part.filename, contentType: type);
  }
}
