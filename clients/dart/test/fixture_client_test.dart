// The fixture client (generated into test/fixture_client/ from the platform's test-only fixture
// operations) against a running platform: AEROSTACK_URL and AEROSTACK_SECRET_KEY, else skipped.
import 'dart:io';

import 'package:aerostack/aerostack.dart';
import 'package:test/test.dart';

import 'fixture_client/fixture_client.dart';

void main() {
  final url = Platform.environment['AEROSTACK_URL'];
  final key = Platform.environment['AEROSTACK_SECRET_KEY'];
  final skip = url == null || key == null ? 'needs AEROSTACK_URL and AEROSTACK_SECRET_KEY' : null;
  late FixtureClient client;
  setUp(() => client = FixtureClient(url ?? '', credential: key));
  tearDown(() => client.close());

  test('uploads bytes and downloads a range of them', () async {
    final bytes = List<int>.generate(1000, (i) => i % 256);
    final blob = await client.fixtures.upload('dart-range', body: BytesUpload(bytes));
    expect(blob.sizeBytes, 1000);
    final range = await client.fixtures.download('dart-range', range: 'bytes=10-19');
    expect(range.status, 206);
    expect(await range.readBytes(), bytes.sublist(10, 20));
  }, skip: skip);

  test('streams typed events and resumes after the last id', () async {
    final ticks = await client.fixtures.events(count: 3).toList();
    expect(ticks.map((e) => (e as FixturesEventsEventTick).data.n), [1, 2, 3]);
    final rest = await client.fixtures.events(count: 3, lastEventId: '2').toList();
    expect(rest.map((e) => e.id), ['3']);
    expect(await client.fixtures.events(count: 3, lastEventId: '3').toList(), isEmpty);
  }, skip: skip);

  test('resumes a dropped event stream by itself', () async {
    final ticks = await client.fixtures.events(count: 4, dropAfter: 2).toList();
    expect(ticks.map((e) => e.id), ['1', '2', '3', '4']);
  }, skip: skip);
}
