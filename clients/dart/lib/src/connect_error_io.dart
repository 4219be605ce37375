import 'dart:io';

/// Whether [error] says the connection could not be opened (refused, unknown host, unreachable):
/// the request never left. Anything else counts as `network` (the request may have been sent).
bool isConnectError(Object error) {
  if (error is! SocketException) return false;
  final message = '${error.message} ${error.osError?.message ?? ''}'.toLowerCase();
  return message.contains('connection refused') ||
      message.contains('failed host lookup') ||
      message.contains('no route to host') ||
      message.contains('network is unreachable');
}
