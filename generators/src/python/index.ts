// The Python client: clients/python, package aerostack.
import { type GeneratedFile, generated } from '../files.js';
import type { ApiModel } from '../model/index.js';
import { renderClient, renderErrorCodes, renderInit, renderResourcesInit, renderVersion } from './client.js';
import { checkPythonLimits } from './limits.js';
import { renderModels } from './models.js';
import { pyName } from './naming.js';
import { renderPyproject } from './pyproject.js';
import { renderResourceModule } from './resources.js';

/** Every file of clients/python. */
export function generatePython(model: ApiModel): GeneratedFile[] {
  checkPythonLimits(model);
  const pkg = 'python/aerostack';
  return [
    generated('python/pyproject.toml', renderPyproject(model)),
    generated(`${pkg}/__init__.py`, renderInit(model)),
    generated(`${pkg}/_client.py`, renderClient(model)),
    generated(`${pkg}/_version.py`, renderVersion(model)),
    generated(`${pkg}/error_codes.py`, renderErrorCodes(model)),
    generated(`${pkg}/models.py`, renderModels(model)),
    generated(`${pkg}/resources/__init__.py`, renderResourcesInit()),
    ...model.root.children.map((ns) =>
      generated(`${pkg}/resources/${pyName(ns.path[0] ?? '')}.py`, renderResourceModule(model, ns)),
    ),
  ];
}
