import 'dart:convert';

import 'behaviour.dart';

/// The error of every failed call: a problem+json answer of the platform, an answer that is not
/// one (`client/invalid-response`), or (with [status] 0) a call that got no answer
/// (`client/network`, `client/timeout`, `client/aborted`).
///
/// Switch on [code], which is stable (see [ErrorCode]); [title] and [detail] are for people.
/// The subclasses sort errors by status ([NotFoundException], [RateLimitException], …) or by why
/// no answer came ([AerostackConnectionException], [AerostackTimeoutException],
/// [AerostackAbortedException]).
///
/// ```dart
/// try {
///   await client.cache.get('missing');
/// } on NotFoundException catch (error) {
///   print('${error.code} ${error.requestId}');
/// } on AerostackException catch (error) {
///   if (error.code == ErrorCode.clientTimeout) print('try again later');
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

  /// The exception for a response with [status]: the subclass for that status, else this class.
  factory AerostackException.forStatus({
    required int status,
    required String code,
    required String title,
    String? detail,
    String? requestId,
    String? type,
    List<ProblemFieldError> errors = const [],
  }) {
    final make = _exceptionFor(status);
    return make(code, status, title, detail, requestId, type, errors);
  }

  /// A stable `area/kebab-name` code, e.g. `cache/not-found`, or a `client/…` code.
  final String code;

  /// The HTTP status, or 0 when no answer arrived.
  final int status;

  /// A short summary of the problem type.
  final String title;

  /// What went wrong with this request.
  final String? detail;

  /// The request's id (the problem's `requestId`, else the `X-Request-Id` header); quote it when
  /// asking for support.
  final String? requestId;

  /// A URI reference naming the problem type.
  final String? type;

  /// Field-level problems of an invalid request.
  final List<ProblemFieldError> errors;

  /// The underlying error of a call that got no answer.
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
    final statusText = status == 0 ? '' : ' ($status)';
    final request = requestId == null ? '' : ' [request $requestId]';
    return '$runtimeType: $code$statusText: ${detail ?? title}$request';
  }
}

typedef _Make = AerostackException Function(
  String code,
  int status,
  String title,
  String? detail,
  String? requestId,
  String? type,
  List<ProblemFieldError> errors,
);

/// The constructor of the exception class for [status].
_Make _exceptionFor(int status) {
  switch (status) {
    case 400:
      return BadRequestException.new;
    case 401:
      return AuthenticationException.new;
    case 403:
      return PermissionDeniedException.new;
    case 404:
      return NotFoundException.new;
    case 409:
      return ConflictException.new;
    case 422:
      return UnprocessableEntityException.new;
    case 429:
      return RateLimitException.new;
  }
  if (status >= 500) return InternalServerException.new;
  return AerostackStatusException.new;
}

/// An answer with an HTTP status that is not a success (or a success whose body is not what the
/// operation declares: then [code] is `client/invalid-response`).
class AerostackStatusException extends AerostackException {
  /// Creates an exception; the client does this for you.
  AerostackStatusException(
    String code,
    int status,
    String title,
    String? detail,
    String? requestId,
    String? type,
    List<ProblemFieldError> errors,
  ) : super(
          code: code,
          status: status,
          title: title,
          detail: detail,
          requestId: requestId,
          type: type,
          errors: errors,
        );
}

/// 400: the request is malformed.
class BadRequestException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  BadRequestException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 401: the credential is missing, unknown or revoked.
class AuthenticationException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  AuthenticationException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 403: the credential may not do this.
class PermissionDeniedException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  PermissionDeniedException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 404: there is nothing at this address.
class NotFoundException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  NotFoundException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 409: the request conflicts with the current state (or with a running request of the same
/// `Idempotency-Key`).
class ConflictException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  ConflictException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 422: the request is well-formed but invalid; see [errors].
class UnprocessableEntityException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  UnprocessableEntityException(super.code, super.status, super.title, super.detail, super.requestId,
      super.type, super.errors);
}

/// 429: too many requests; the client already retried as `Retry-After` asked.
class RateLimitException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  RateLimitException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// 5xx: the platform (or a proxy in front of it) failed.
class InternalServerException extends AerostackStatusException {
  /// Creates an exception; the client does this for you.
  InternalServerException(super.code, super.status, super.title, super.detail, super.requestId, super.type,
      super.errors);
}

/// No answer: the platform could not be reached or the connection broke (`client/network`).
class AerostackConnectionException extends AerostackException {
  /// Creates an exception; the client does this for you.
  AerostackConnectionException(Object cause)
      : super(
          code: Behaviour.clientNetwork,
          status: 0,
          title: 'No answer from the platform',
          detail: cause.toString(),
          cause: cause,
        );
}

/// No answer within the per-attempt timeout (`client/timeout`); the request was aborted.
class AerostackTimeoutException extends AerostackException {
  /// Creates an exception; the client does this for you.
  AerostackTimeoutException(Duration timeout)
      : super(
          code: Behaviour.clientTimeout,
          status: 0,
          title: 'The platform did not answer in time',
          detail: 'No answer within ${timeout.inMilliseconds} ms; the request was aborted.',
        );
}

/// The caller cancelled the call through [RequestOptions.cancel] (`client/aborted`).
class AerostackAbortedException extends AerostackException {
  /// Creates an exception; the client does this for you.
  const AerostackAbortedException()
      : super(code: Behaviour.clientAborted, status: 0, title: 'The call was cancelled');
}

/// One field-level problem of an invalid request.
class ProblemFieldError {
  /// Creates a field error.
  const ProblemFieldError({required this.location, required this.message});

  /// Reads a field error leniently: missing members become empty strings.
  factory ProblemFieldError.fromJson(Map<String, Object?> json) => ProblemFieldError(
        location: json['location'] is String ? json['location'] as String : '',
        message: json['message'] is String ? json['message'] as String : '',
      );

  /// Where the problem is: `body`, `query`, `path` or `header` and a JSON pointer.
  final String location;

  /// What is wrong there.
  final String message;

  /// This error as JSON.
  Map<String, Object?> toJson() => {'location': location, 'message': message};
}

/// The exception for an error response (spec/clients/README.md): a JSON body with a string `code`
/// is a problem document; any other body is `client/invalid-response` with the real status.
/// [headers] have lower-case names, as `package:http` gives them.
AerostackException errorFromResponse(int status, Map<String, String> headers, List<int> body,
    {String? reason}) {
  final headerId = headers[Behaviour.requestIdHeader.toLowerCase()];
  final fallbackTitle = reason == null || reason.isEmpty ? 'HTTP $status' : reason;
  Object? json;
  try {
    json = body.isEmpty ? null : jsonDecode(utf8.decode(body));
  } on FormatException {
    json = null;
  }
  if (json is Map<String, Object?> && json['code'] is String) {
    final problem = json;
    final errors = problem['errors'];
    String? text(String key) => problem[key] is String ? problem[key] as String : null;
    return AerostackException.forStatus(
      status: status,
      code: problem['code'] as String,
      title: text('title') ?? fallbackTitle,
      detail: text('detail'),
      requestId: text('requestId') ?? headerId,
      type: text('type'),
      errors: errors is List<Object?>
          ? errors.whereType<Map<String, Object?>>().map(ProblemFieldError.fromJson).toList()
          : const [],
    );
  }
  final snippet = utf8.decode(body, allowMalformed: true).trim();
  return AerostackException.forStatus(
    status: status,
    code: Behaviour.clientInvalidResponse,
    title: fallbackTitle,
    detail: snippet.isEmpty ? null : snippet.substring(0, _min200(snippet.length)),
    requestId: headerId,
  );
}

/// A 2xx answer whose body is not the JSON the operation declares.
AerostackException invalidSuccess(int status, Map<String, String> headers, Object error) =>
    AerostackException.forStatus(
      status: status,
      code: Behaviour.clientInvalidResponse,
      title: 'The answer is not what the operation declares',
      detail: error.toString(),
      requestId: headers[Behaviour.requestIdHeader.toLowerCase()],
    );

int _min200(int length) => length < 200 ? length : 200;
