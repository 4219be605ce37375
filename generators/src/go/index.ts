// The Go client: clients/go, package aerostack; and for the `fixtures` target a client of the
// fixture operations in clients/go/internal/fixtureclient, which only tests import.
import { type GeneratedFile, generated } from '../files.js';
import type { GenerateOptions } from '../generate.js';
import type { ApiModel } from '../model/index.js';
import { snakeCase } from '../naming.js';
import {
  GO_MODULE,
  type GoPackage,
  renderBehaviour,
  renderClient,
  renderDoc,
  renderErrorCodes,
  renderGoMod,
  renderRuntime,
  renderVersion,
} from './client.js';
import { renderDispatch } from './dispatch.js';
import { formatGo } from './format.js';
import { renderNamespaceFile } from './operations.js';
import { renderModels } from './types.js';

const API: GoPackage = { dir: 'go', name: 'aerostack', importPath: GO_MODULE, api: true };
const FIXTURES: GoPackage = {
  dir: 'go/internal/fixtureclient',
  name: 'fixtureclient',
  importPath: `${GO_MODULE}/internal/fixtureclient`,
  api: false,
};

/** Every file of clients/go (or of its fixture client), gofmt-ed. */
export function generateGo(model: ApiModel, options: GenerateOptions = { target: 'api' }): GeneratedFile[] {
  const pkg = options.target === 'fixtures' ? FIXTURES : API;
  const at = (file: string) => `${pkg.dir}/${file}`;
  const files = [
    ...(pkg.api
      ? [
          generated('go/go.mod', renderGoMod()),
          generated('go/internal/behaviour/behaviour.go', renderBehaviour(model.behaviour)),
        ]
      : []),
    generated(at('doc.go'), renderDoc(model, pkg)),
    generated(at('client.go'), renderClient(model, pkg)),
    generated(at('runtime.go'), renderRuntime(model, pkg)),
    generated(at('version.go'), renderVersion(model, pkg)),
    generated(at('error_codes.go'), renderErrorCodes(model, pkg)),
    generated(at('models.go'), renderModels(model, pkg.name, GO_MODULE)),
    generated(at('scenario_dispatch_test.go'), renderDispatch(model, pkg)),
    ...model.root.children.map((ns) =>
      generated(at(`${snakeCase(ns.path[0] ?? '')}.go`), renderNamespaceFile(ns, pkg.name, GO_MODULE)),
    ),
  ];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`two generated Go files would be ${f.path}; rename the tag`);
    seen.add(f.path);
  }
  return formatGo(files);
}
