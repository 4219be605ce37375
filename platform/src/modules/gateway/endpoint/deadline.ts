import { CancelledError, DeadlineError } from './errors.js';

/**
 * Runs `work` with a hard deadline: at `ms` the work's signal aborts (so the upstream request is
 * cancelled too) and the promise rejects with DeadlineError at once, whether or not the work
 * notices. An aborted `parent` (the client went away) aborts the work as well.
 */
export async function withDeadline<T>(
  ms: number,
  parent: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (parent.aborted) throw new CancelledError('cancelled before it started');
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(`no answer within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
    onAbort = () => {
      const error = new CancelledError('cancelled');
      controller.abort(error);
      reject(error);
    };
    parent.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onAbort!);
  }
}
