import 'models.dart';

/// The one error type of the client: a problem+json answer of the platform, or (with
/// [status] 0 and a `client/…` [code]) a request that got no answer.
///
/// Switch on [code], which is stable (see [ErrorCode]); [title] and [detail] are for people.
///
/// ```dart
/// try {
///   await client.cache.get('missing');
/// } on AerostackException catch (error) {
///   if (error.code == ErrorCode.cacheNotFound) print(error.requestId);
/// }
/// ```
class AerostackException implements Exception {
  /// Creates an exception; the client does this for you.
  const AerostackException({
    required this.code,
    required this.status,
    required this.title,
    this.detail,
    this.requestId,
    this.type,
    this.errors = const [],
    this.cause,
  });

  /// Reads a non-2xx answer: a problem+json [body], or anything else (then [code] is empty).
  factory AerostackException.fromResponse(int status, String? requestId, String? reason, Object? body) {
    final title = reason ?? 'HTTP $status';
    if (body is! Map<String, Object?> || body['code'] is! String) {
      final text = body is String ? body.trim() : '';
      return AerostackException(
        code: '',
        status: status,
        title: title,
        detail: text.isEmpty ? null : text.substring(0, text.length < 200 ? text.length : 200),
        requestId: requestId,
      );
    }
    final errors = body['errors'];
    return AerostackException(
      code: body['code'] as String,
      status: status,
      title: body['title'] is String ? body['title'] as String : title,
      detail: body['detail'] is String ? body['detail'] as String : null,
      requestId: body['requestId'] is String ? body['requestId'] as String : requestId,
      type: body['type'] is String ? body['type'] as String : null,
      errors: errors is List<Object?>
          ? errors.map((e) => FieldProblem.fromJson(e as Map<String, Object?>)).toList()
          : const [],
    );
  }

  /// A stable `area/kebab-name` code, e.g. `cache/not-found`.
  final String code;

  /// The HTTP status, or 0 when no answer arrived.
  final int status;

  /// A short summary of the problem type.
  final String title;

  /// What went wrong with this request.
  final String? detail;

  /// The request's `X-Request-Id`; quote it when asking for support.
  final String? requestId;

  /// A URI reference naming the problem type.
  final String? type;

  /// Field-level problems of an invalid request.
  final List<FieldProblem> errors;

  /// The underlying error of a request that got no answer.
  final Object? cause;

  /// The error as a problem+json object.
  Map<String, Object?> toJson() => {
        'type': type,
        'title': title,
        'status': status,
        'detail': detail,
        'code': code,
        'requestId': requestId,
        'errors': errors.map((e) => e.toJson()).toList(),
      };

  @override
  String toString() {
    final head = code.isEmpty ? 'http error' : code;
    final statusText = status == 0 ? '' : ' ($status)';
    final request = requestId == null ? '' : ' [request $requestId]';
    return 'AerostackException: $head$statusText: ${detail ?? title}$request';
  }
}
