import type { HostingRuntimeConfig } from '../../../config.js';
import { ApiError } from '../../../http/problem.js';

/** Why the watchdog stopped a project's workerd. */
export type StopReason = 'cpu-limit' | 'memory-limit' | 'wall-limit' | 'crashed';

const ERRORS: Record<
  StopReason,
  { code: ConstructorParameters<typeof ApiError>[0]; detail: (l: HostingRuntimeConfig) => string }
> = {
  'cpu-limit': {
    code: 'hosting/cpu-limit-exceeded',
    detail: (l) =>
      `The request used more than ${l.cpuMs} ms of CPU time (AEROSTACK_HOSTING_CPU_MS); the worker was stopped and restarts on the next request.`,
  },
  'memory-limit': {
    code: 'hosting/memory-limit-exceeded',
    detail: (l) =>
      `The worker grew by more than ${l.memoryBytes / 1024 / 1024} MB (AEROSTACK_HOSTING_MEMORY_MB); it was stopped and restarts on the next request.`,
  },
  'wall-limit': {
    code: 'hosting/wall-limit-exceeded',
    detail: (l) =>
      `The request did not answer within ${l.wallMs} ms (AEROSTACK_HOSTING_WALL_MS); the worker was stopped and restarts on the next request.`,
  },
  crashed: {
    code: 'hosting/worker-crashed',
    detail: () => "The worker's process ended while serving the request; it restarts on the next request.",
  },
};

/** The error a request stopped for `reason` answers with. */
export function limitError(reason: StopReason, limits: HostingRuntimeConfig): ApiError {
  const { code, detail } = ERRORS[reason];
  return new ApiError(code, detail(limits));
}

/** The limit an error of `limitError` names, or null for any other error. */
export function stopReasonOf(error: unknown): StopReason | null {
  if (!(error instanceof ApiError)) return null;
  const found = Object.entries(ERRORS).find(([, { code }]) => code === error.code);
  return found ? (found[0] as StopReason) : null;
}
