import 'dart:math';

import 'package:http_parser/http_parser.dart' show parseHttpDate;

import 'behaviour.dart';

/// How one attempt of a call ended (spec/clients/README.md).
enum AttemptOutcome {
  /// A response with an HTTP status arrived.
  status,

  /// The connection could not be opened (refused, DNS): the request never left.
  connect,

  /// The connection broke after the request may have been sent.
  network,

  /// The per-attempt timeout fired.
  timeout,
}

/// Whether an attempt that ended in [outcome] (with [status] for [AttemptOutcome.status]) may be
/// retried: `connect` always; a retryable status, `network` and `timeout` only when the call is safe
/// to repeat ([method] is idempotent, or the call carries an `Idempotency-Key`).
bool isRetryable(String method, bool hasIdempotencyKey, AttemptOutcome outcome, [int? status]) {
  if (outcome == AttemptOutcome.connect) return true;
  final safe = Behaviour.idempotentMethods.contains(method.toUpperCase()) || hasIdempotencyKey;
  if (!safe) return false;
  if (outcome != AttemptOutcome.status) return true;
  if (status == null) return false;
  return Behaviour.retryStatuses.contains(status) ||
      (Behaviour.retryServerErrors && status >= 500 && status <= 599);
}

final RegExp _seconds = RegExp(r'^[0-9]+$');

/// The wait in milliseconds before retry [n] (0-based): `Retry-After` ([retryAfter], seconds or an
/// HTTP date relative to [nowMs]) when it parses, capped; otherwise exponential backoff with the
/// jitter drawn as [r] in `[0, 1)`.
int retryDelayMs(int n, String? retryAfter, int nowMs, double r) {
  final fromHeader = _retryAfterMs(retryAfter, nowMs);
  if (fromHeader != null) return min(fromHeader, Behaviour.retryAfterCapMs);
  final base = min(
    Behaviour.backoffMaxMs.toDouble(),
    // In doubles: an int power overflows for a large n.
    Behaviour.backoffInitialMs * pow(Behaviour.backoffMultiplier.toDouble(), n),
  );
  return (base * (1 - Behaviour.backoffJitter * r)).floor();
}

int? _retryAfterMs(String? header, int nowMs) {
  if (header == null) return null;
  final text = header.trim();
  if (text.isEmpty) return null;
  if (_seconds.hasMatch(text)) {
    // Too many digits for an int is still "a long time": the cap.
    final seconds = int.tryParse(text);
    final capSeconds = Behaviour.retryAfterCapMs ~/ 1000 + 1;
    return seconds == null || seconds > capSeconds ? capSeconds * 1000 : seconds * 1000;
  }
  try {
    final at = parseHttpDate(text).millisecondsSinceEpoch;
    return max(0, at - nowMs);
  } on FormatException {
    return null;
  }
}

final Random _secure = Random.secure();

/// A fresh `Idempotency-Key`: the prefix and 32 lower-case hex digits from a cryptographic source.
String newIdempotencyKey() {
  final hex = StringBuffer(Behaviour.idempotencyKeyPrefix);
  for (var i = 0; i < 16; i++) {
    hex.write(_secure.nextInt(256).toRadixString(16).padLeft(2, '0'));
  }
  return hex.toString();
}

/// A uniform draw in `[0, 1)` for the backoff jitter.
double jitterDraw() => _secure.nextDouble();
