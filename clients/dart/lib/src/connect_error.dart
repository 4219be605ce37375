/// Whether [error] says the connection could not be opened (the request never left). Without
/// `dart:io` (the web) this cannot be told apart, so every failure counts as `network`, which is
/// retried only when the call is safe to repeat.
bool isConnectError(Object error) => false;
