import type { FetchLike } from '../../src';

/** One scripted answer: a response to return, an error to throw, or a fetch that never settles. */
export type Step = Response | Error | 'hang' | (() => Response);

export interface ScriptedFetch {
  fetch: FetchLike;
  /** The requests received, in order. */
  requests: Request[];
}

/** A fetch that answers from `steps` in order (the last step repeats), recording every request. */
export function scriptedFetch(steps: Step[]): ScriptedFetch {
  const requests: Request[] = [];
  const fetch: FetchLike = (request) => {
    requests.push(request);
    const step = steps[Math.min(requests.length - 1, steps.length - 1)];
    if (step === 'hang' || step === undefined) return new Promise<Response>(() => {});
    if (step instanceof Error) return Promise.reject(step);
    return Promise.resolve(typeof step === 'function' ? step() : step.clone());
  };
  return { fetch, requests };
}

/** A problem+json response like the platform's. */
export function problem(status: number, code: string, headers: Record<string, string> = {}): Response {
  const body = {
    type: `https://aerostack.dev/problems/${code}`,
    title: code,
    status,
    code,
    requestId: 'req_test',
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'X-Request-Id': 'req_test', ...headers },
  });
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
