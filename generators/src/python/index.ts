// The Python client: clients/python, package aerostack; and the fixture client under
// clients/python/tests/fixture_client (generated files only, on the aerostack runtime).
import { type GeneratedFile, generated } from '../files.js';
import type { GenerateOptions } from '../generate.js';
import type { ApiModel } from '../model/index.js';
import {
  renderBehaviour,
  renderClient,
  renderErrorCodes,
  renderInit,
  renderOperations,
  renderResourcesInit,
  renderVersion,
} from './client.js';
import { formatPython } from './format.js';
import { checkPythonLimits } from './limits.js';
import { renderModels } from './models.js';
import { pyName } from './naming.js';
import { renderPyproject } from './pyproject.js';
import { renderResourceModule } from './resources.js';

/** Every file of clients/python (or of its fixture client). */
export function generatePython(
  model: ApiModel,
  options: GenerateOptions = { target: 'api' },
): GeneratedFile[] {
  checkPythonLimits(model);
  const target = options.target;
  const pkg = target === 'api' ? 'python/aerostack' : 'python/tests/fixture_client';
  const files =
    target === 'api'
      ? [
          generated('python/pyproject.toml', renderPyproject(model)),
          generated(`${pkg}/__init__.py`, renderInit(model)),
          generated(`${pkg}/_behaviour.py`, renderBehaviour(model)),
          generated(`${pkg}/_version.py`, renderVersion(model)),
          generated(`${pkg}/error_codes.py`, renderErrorCodes(model)),
        ]
      : [generated(`${pkg}/__init__.py`, renderInit(model, target))];
  files.push(
    generated(`${pkg}/_client.py`, renderClient(model, target)),
    generated(`${pkg}/_operations.py`, renderOperations(model)),
    generated(`${pkg}/models.py`, renderModels(model, target)),
    generated(`${pkg}/resources/__init__.py`, renderResourcesInit()),
    ...model.root.children.map((ns) =>
      generated(`${pkg}/resources/${pyName(ns.path[0] ?? '')}.py`, renderResourceModule(model, ns, target)),
    ),
  );
  return formatPython(files);
}
