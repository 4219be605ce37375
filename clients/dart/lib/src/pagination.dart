/// Every item of a cursor-paginated list: calls [fetch] with the previous page's cursor
/// (null first) until [next] gives null. Pages are fetched as the stream is listened to.
Stream<T> paginate<P, T>(
  Future<P> Function(String? cursor) fetch,
  List<T> Function(P page) items,
  String? Function(P page) next,
) async* {
  String? cursor;
  do {
    final page = await fetch(cursor);
    yield* Stream.fromIterable(items(page));
    cursor = next(page);
  } while (cursor != null);
}
