/// Bytes to upload: all in memory ([BytesUpload], which a retry can send again) or read once
/// from a stream ([StreamUpload]: a call sending one is not retried once it started reading it).
sealed class Upload {
  const Upload({this.contentType});

  /// The media type to send the bytes with; null for the operation's own.
  final String? contentType;
}

/// Bytes already in memory.
final class BytesUpload extends Upload {
  /// Uploads [bytes].
  const BytesUpload(this.bytes, {super.contentType});

  /// The bytes.
  final List<int> bytes;
}

/// Bytes read from a stream as the request is sent (a file: `File(path).openRead()`).
final class StreamUpload extends Upload {
  /// Uploads what [stream] yields; [length] is sent as `Content-Length` when known (multipart
  /// file parts need it).
  StreamUpload(this.stream, {this.length, super.contentType});

  /// The bytes, in chunks.
  final Stream<List<int>> stream;

  /// The number of bytes, if known.
  final int? length;

  bool _listened = false;

  /// Whether an attempt started reading [stream]; then it cannot be sent again.
  bool get consumed => _listened;

  /// [stream], marking this upload consumed when the transport starts reading it.
  Stream<List<int>> take() {
    if (_listened) throw StateError('A StreamUpload can be sent only once');
    _listened = true;
    return stream;
  }
}

/// A file part of a `multipart/form-data` request.
final class FilePart {
  /// A part with [content], sent with [filename] and [contentType] (default
  /// `application/octet-stream`).
  const FilePart(this.content, {this.filename, this.contentType});

  /// The part's bytes.
  final Upload content;

  /// The file name sent in the part's `Content-Disposition`.
  final String? filename;

  /// The part's media type.
  final String? contentType;
}
