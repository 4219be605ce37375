/// Settings of one call, overriding the client's: every method takes `options:`.
///
/// ```dart
/// final stop = Completer<void>();
/// final entry = client.cache.get('k', options: RequestOptions(timeout: Duration(seconds: 2), cancel: stop.future));
/// ```
final class RequestOptions {
  /// Creates per-call settings; unset ones fall back to the client's.
  const RequestOptions({this.timeout, this.maxRetries, this.headers = const {}, this.cancel});

  /// The limit of each attempt (until the whole JSON answer, or until the headers of a download or
  /// event stream); the attempt is aborted when it passes.
  final Duration? timeout;

  /// How often a retryable attempt is retried.
  final int? maxRetries;

  /// Extra headers for this call.
  final Map<String, String> headers;

  /// Completing this future aborts the call (request, backoff wait, download or event stream):
  /// it then fails with an [AerostackAbortedException].
  final Future<void>? cancel;
}
