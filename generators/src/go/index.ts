// The Go client: clients/go, package aerostack.
import { type GeneratedFile, generated } from '../files.js';
import type { ApiModel } from '../model/index.js';
import { snakeCase } from '../naming.js';
import { renderClient, renderDoc, renderErrorCodes, renderGoMod, renderVersion } from './client.js';
import { formatGo } from './format.js';
import { renderNamespaceFile } from './operations.js';
import { renderModels } from './types.js';

/** Every file of clients/go, gofmt-ed. */
export function generateGo(model: ApiModel): GeneratedFile[] {
  const files = [
    generated('go/go.mod', renderGoMod()),
    generated('go/doc.go', renderDoc(model)),
    generated('go/client.go', renderClient(model)),
    generated('go/version.go', renderVersion(model)),
    generated('go/error_codes.go', renderErrorCodes(model)),
    generated('go/models.go', renderModels(model)),
    ...model.root.children.map((ns) =>
      generated(`go/${snakeCase(ns.path[0] ?? '')}.go`, renderNamespaceFile(ns)),
    ),
  ];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two generated Go files would be ${f.path}; rename the tag`);
    seen.add(f.path);
  }
  return formatGo(files);
}
