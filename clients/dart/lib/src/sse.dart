import 'dart:async';
import 'dart:convert';

/// One server-sent event as it arrived: its `event:` name (`message` when none), `data:` lines
/// joined by `\n`, and `id:` (the position to resume from with `Last-Event-ID`).
final class ServerSentEvent {
  /// Creates an event.
  const ServerSentEvent({this.event = 'message', this.data = '', this.id, this.retry});

  /// The event name.
  final String event;

  /// The data.
  final String data;

  /// The event id, if the server sent one.
  final String? id;

  /// The reconnection time the server asked for, in milliseconds.
  final int? retry;

  /// [data] decoded as JSON.
  Object? json() => jsonDecode(data);
}

/// The events of a `text/event-stream` body (the WHATWG parsing rules: lines end in CRLF, LF or
/// CR; `:` starts a comment; an event is dispatched at a blank line and only if it has data).
Stream<ServerSentEvent> parseServerSentEvents(Stream<List<int>> bytes) async* {
  var event = '';
  final data = <String>[];
  String? id;
  int? retry;
  await for (final line in bytes.transform(utf8.decoder).transform(const LineSplitter())) {
    if (line.isEmpty) {
      if (data.isNotEmpty) {
        yield ServerSentEvent(event: event.isEmpty ? 'message' : event, data: data.join('\n'), id: id, retry: retry);
      }
      event = '';
      data.clear();
      retry = null;
      continue;
    }
    if (line.startsWith(':')) continue;
    final colon = line.indexOf(':');
    final field = colon < 0 ? line : line.substring(0, colon);
    var value = colon < 0 ? '' : line.substring(colon + 1);
    if (value.startsWith(' ')) value = value.substring(1);
    switch (field) {
      case 'event':
        event = value;
      case 'data':
        data.add(value);
      case 'id':
        if (!value.contains('\u0000')) id = value;
      case 'retry':
        retry = int.tryParse(value) ?? retry;
    }
  }
}
