// What the Python client cannot write although the model allows it: header values go to httpx
// as given, and httpx takes only strings there (an int would fail, a bool would read "True").
import type { ApiModel, TypeRef } from '../model/index.js';
import { operationLabel, UnsupportedError } from '../unsupported.js';

function isText(model: ApiModel, type: TypeRef): boolean {
  if (type.kind === 'string') return true;
  return type.kind === 'named' && model.types.find((t) => t.name === type.name)?.kind === 'enum';
}

/** Throws for the first operation the Python renderer would render wrongly. */
export function checkPythonLimits(model: ApiModel): void {
  for (const op of model.operations) {
    const header = op.params.find((p) => p.location === 'header' && !isText(model, p.type));
    if (header) {
      throw new UnsupportedError(`a header of type ${header.type.kind} in the Python client`, {
        operation: operationLabel(op.id, op.method, op.path),
        location: `header parameter ${header.wireName}`,
      });
    }
  }
}
