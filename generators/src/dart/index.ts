// The Dart client: clients/dart, package aerostack.
import { type GeneratedFile, generated } from '../files.js';
import type { ApiModel } from '../model/index.js';
import { apiFile, renderApiFile } from './api.js';
import { renderBehaviour } from './behaviour.js';
import { renderClient, renderErrorCodes, renderLibrary, renderPubspec, renderVersion } from './client.js';
import { renderModels } from './models.js';

/** Every file of clients/dart. */
export function generateDart(model: ApiModel): GeneratedFile[] {
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
  ];
}
