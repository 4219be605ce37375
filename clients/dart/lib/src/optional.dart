/// A request field with three states: left out (the default, [Optional.absent]), sent as `null`
/// (`Optional(null)`), or sent with a value (`Optional(value)`).
///
/// Methods take it for body fields that are both optional and nullable, where leaving a field out
/// ("keep it as it is") and sending `null` ("clear it") mean different things:
///
/// ```dart
/// await client.widgets.update(7, description: const Optional(null)); // clears it
/// await client.widgets.update(7, name: 'x');                         // leaves it as it is
/// ```
class Optional<T> {
  /// A field sent with [value] (which may be `null` when `T` is nullable).
  const Optional(T this.value) : isPresent = true;

  /// A field left out of the request.
  const Optional.absent()
      : value = null,
        isPresent = false;

  /// The value to send; meaningful only when [isPresent].
  final T? value;

  /// Whether the field is sent at all.
  final bool isPresent;

  @override
  String toString() => isPresent ? 'Optional($value)' : 'Optional.absent()';
}
