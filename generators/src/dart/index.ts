// The Dart client: clients/dart, package aerostack; and for the `fixtures` target a client of the
// platform's fixture operations under clients/dart/test/fixture_client/, which imports the
// package's hand-written runtime (package:aerostack/src/…).
import { type GeneratedFile, generated } from '../files.js';
import type { GenerateOptions } from '../generate.js';
import type { ApiModel } from '../model/index.js';
import { apiFile, renderApiFile } from './api.js';
import { renderBehaviour } from './behaviour.js';
import { renderClient, renderErrorCodes, renderLibrary, renderPubspec, renderVersion } from './client.js';
import { renderModels } from './models.js';
import { renderScenarioCalls } from './scenarios.js';

/** Where the fixture client goes, relative to clients/. */
export const DART_FIXTURE_DIR = 'dart/test/fixture_client';

/** Every file of clients/dart (target `api`), or of its fixture client (target `fixtures`). */
export function generateDart(model: ApiModel, options: GenerateOptions = { target: 'api' }): GeneratedFile[] {
  if (options.target === 'fixtures') {
    const runtime = 'package:aerostack/src/';
    return [
      generated(
        `${DART_FIXTURE_DIR}/fixture_client.dart`,
        renderClient(model, { className: 'FixtureClient', runtime }),
      ),
      generated(`${DART_FIXTURE_DIR}/models.dart`, renderModels(model, runtime)),
      ...model.root.children.map((ns) =>
        generated(`${DART_FIXTURE_DIR}/api/${apiFile(ns)}`, renderApiFile(model, ns, runtime)),
      ),
      generated(
        `${DART_FIXTURE_DIR}/scenario_calls.dart`,
        renderScenarioCalls(model, 'FixtureClient', [
          "import 'package:aerostack/aerostack.dart';",
          '',
          "import '../scenario_table.dart';",
          "import 'fixture_client.dart';",
        ]),
      ),
    ];
  }
  return [
    generated('dart/pubspec.yaml', renderPubspec(model)),
    generated('dart/lib/aerostack.dart', renderLibrary(model)),
    generated('dart/lib/src/behaviour.dart', renderBehaviour(model)),
    generated('dart/lib/src/client.dart', renderClient(model)),
    generated('dart/lib/src/error_codes.dart', renderErrorCodes(model)),
    generated('dart/lib/src/version.dart', renderVersion(model)),
    generated('dart/lib/src/models.dart', renderModels(model)),
    ...model.root.children.map((ns) =>
      generated(`dart/lib/src/api/${apiFile(ns)}`, renderApiFile(model, ns)),
    ),
    generated(
      'dart/test/scenario_calls.dart',
      renderScenarioCalls(model, 'AerostackClient', [
        "import 'package:aerostack/aerostack.dart';",
        '',
        "import 'scenario_table.dart';",
      ]),
    ),
  ];
}
