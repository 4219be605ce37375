// What the generated scenario tables (scenario_calls.dart, fixture_client/scenario_calls.dart) fill
// in, and the arguments of one scenario step, by wire name.

/// The arguments of one step (scenarios/README.md), variables already replaced.
class ScenarioArgs {
  /// Creates the arguments of a step.
  ScenarioArgs({
    this.path = const {},
    this.query = const {},
    Map<String, Object?> headers = const {},
    this.bodyValue,
    this.bytes,
  }) : _headers = {for (final e in headers.entries) e.key.toLowerCase(): e.value};

  /// Path parameters.
  final Map<String, Object?> path;

  /// Query parameters.
  final Map<String, Object?> query;

  final Map<String, Object?> _headers;

  /// The JSON body as given (null for none, or for a byte body).
  final Object? bodyValue;

  /// A byte body (`$bytes`), generated.
  final List<int>? bytes;

  /// The JSON body's members (empty when it is not an object).
  Map<String, Object?> get body => bodyValue is Map<String, Object?> ? bodyValue as Map<String, Object?> : const {};

  /// A header parameter as given (a JSON value), by any case of its name.
  Object? header(String name) => _headers[name.toLowerCase()];
}

/// One client's operations for the runner: how to make the client, and its calls by operationId.
class ScenarioTable<C> {
  /// Created by the generated scenario_calls.dart.
  const ScenarioTable({
    required this.client,
    required this.close,
    required this.calls,
    required this.pages,
    required this.events,
  });

  /// A client of the platform at a URL with a credential (null: none).
  final C Function(String url, String? credential) client;

  /// Closes a client.
  final void Function(C client) close;

  /// Calls answering JSON (its wire shape), nothing (null) or bytes (a BinaryResponse).
  final Map<String, Future<Object?> Function(C client, ScenarioArgs args)> calls;

  /// Every item of a cursor-paginated list, in its wire shape.
  final Map<String, Stream<Object?> Function(C client, ScenarioArgs args)> pages;

  /// Event streams, each event as `{event, id, data}`.
  final Map<String, Stream<Map<String, Object?>> Function(C client, ScenarioArgs args)> events;
}
