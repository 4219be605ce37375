import 'dart:typed_data';

import 'package:http/http.dart' as http;

/// A streamed download: the status (`200`, `206` for a range, `304` for an unchanged
/// `If-None-Match`), the headers (lower-case names) and the body as it arrives.
///
/// Read [stream] once, or [readBytes]; cancelling the stream's subscription stops the download.
final class BinaryResponse {
  /// Created by the client.
  BinaryResponse(this.status, this.headers, this.stream);

  /// The HTTP status.
  final int status;

  /// The response headers, names in lower case.
  final Map<String, String> headers;

  /// The body, in chunks as they arrive; errors are [AerostackException]s.
  final Stream<List<int>> stream;

  /// The `Content-Type` header.
  String? get contentType => headers['content-type'];

  /// The `Content-Length` header, when sent.
  int? get contentLength => int.tryParse(headers['content-length'] ?? '');

  /// The `ETag` header.
  String? get etag => headers['etag'];

  /// The `Content-Range` header of a `206` answer.
  String? get contentRange => headers['content-range'];

  /// The whole body, in memory.
  Future<Uint8List> readBytes() => http.ByteStream(stream).toBytes();
}
