import { ApiError, type FieldProblem } from '../../../http/problem.js';
import type { WorkerService } from '../runtime/contract.js';
import { type Binding, TOML_FILE } from './toml.js';

/**
 * `[[services]]` (decision 0054): each binding reaches another worker of the same project, by name.
 * A name never resolves outside the project: the runtime looks it up among the workers of the
 * project's own workerd.
 */

/** A worker's service bindings as the runtime wires them; a secret of the same name keeps its name. */
export function servicesOf(declared: readonly Binding[], vars: Record<string, string>): WorkerService[] {
  return declared
    .filter((b) => b.type === 'services' && !Object.hasOwn(vars, b.binding))
    .map((b) => {
      const entrypoint = b.settings.entrypoint;
      return {
        name: b.binding,
        service: String(b.settings.service),
        ...(entrypoint === undefined ? {} : { entrypoint: String(entrypoint) }),
      };
    });
}

/**
 * Refuses a deployment whose service bindings name a worker the project will not have once it is
 * active (`workers`: the other active workers and this one), as Cloudflare refuses the upload;
 * each missing target is located at its table in `aerostack.toml`.
 */
export function checkServiceTargets(declared: readonly Binding[], workers: readonly string[]): void {
  const known = new Set(workers);
  const errors: FieldProblem[] = declared
    .filter((b) => b.type === 'services' && !known.has(String(b.settings.service)))
    .map((b) => ({
      location: b.at ?? TOML_FILE,
      message: `The service binding ${b.binding} names the worker ${String(b.settings.service)}, which this project does not have; deploy it first.`,
    }));
  const [first] = errors;
  if (first)
    throw new ApiError('hosting/service-not-found', `${first.location} ${first.message}`, { errors });
}
