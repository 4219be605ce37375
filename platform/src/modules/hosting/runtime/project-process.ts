import type { Readable } from 'node:stream';
import type { Miniflare, WorkerOptions } from 'miniflare';
import type { HostingRuntimeConfig } from '../../../config.js';
import { ApiError } from '../../../http/problem.js';
import { randomBase62 } from '../../../lib/ids.js';
import type { SsrfGuard } from '../../../lib/ssrf.js';
import { BINDING_HEADER, BINDING_MODULE } from './binding-code.js';
import type {
  BindingHandler,
  InvocationLog,
  WorkerBinding,
  WorkerService,
  WorkerSource,
} from './contract.js';
import { limitError, type StopReason } from './limits.js';
import { eachLine, linesOf, outcomeOf, type Trace } from './logs.js';
import { outboundService, overSubrequests, refused } from './outbound.js';
import { childPids, type ProcessSample, sampleProcess, startedWorkerd } from './proc.js';
import { SERVICE_HEADER, SERVICE_MODULE } from './service-code.js';
import {
  ENTRYPOINT_HEADER,
  EVENT_HEADER,
  EXCEPTION_HEADER,
  INVOCATION_HEADER,
  REFUSED_HEADER,
  TAIL_WORKER,
  workerModules,
} from './worker-code.js';

const TAIL_NAME = '__aerostack-tail';
/** The module behind every store binding (a wrapped binding), with the Node function it calls. */
const BINDER_NAME = '__aerostack-bindings';
/** The module behind every service binding, with the Node function that routes its calls. */
const SERVICES_NAME = '__aerostack-services';
/**
 * Invocations one request may cause through service bindings, itself included: Cloudflare's limit
 * (32 Worker invocations per request), which ends an A → B → A recursion with a clear error.
 */
const MAX_CHAIN = 32;
/** The runtime's request headers: set by the runtime only, dropped from whatever a caller sends. */
const OWN_HEADERS = new Set([INVOCATION_HEADER, EVENT_HEADER, ENTRYPOINT_HEADER, SERVICE_HEADER]);
/** What is kept of workerd's startup output, for the error of code that does not load. */
const MAX_STARTUP_OUTPUT = 16 * 1024;
/** The longest stdout line read: a trace batch is bounded well below; longer ones are user output. */
const MAX_TRACE_LINE = 8 * 1024 * 1024;

/** One request in flight in a project's workerd. */
interface Invocation {
  id: string;
  worker: string;
  deploymentId: string;
  startedAt: number;
  /** The process's CPU time when the request started: what it used since is charged to it. */
  cpuAtStart: number;
  /** CPU charged since it answered (a streamed body, `waitUntil`): see `overLimit`. */
  cpuAfterAnswer: number;
  /** When the caller's wait ended (the worker's headers, or a failure); the invocation lasts until its trace arrives. */
  answeredAt: number | null;
  /** A trace that came before the answer was seen here (stdout can overtake the HTTP response). */
  trace: Trace | null;
  /** The fetch handler threw (the entry answered its 500). */
  exception: boolean;
  /** The caller went (aborted) or the exchange failed: workerd cancels the handler; not charged. */
  abandoned: boolean;
  subrequests: number;
  /** The invocations the outside request caused so far through service bindings, shared along the chain. */
  chain: { invocations: number };
  /** Ends the caller's wait with the limit's error. */
  stop(error: ApiError): void;
}

export interface ProcessHooks {
  limits: HostingRuntimeConfig;
  guard: SsrfGuard;
  log(log: InvocationLog): void;
  /** Serves the workers' store bindings; without it a worker gets none. */
  bindings?: BindingHandler | undefined;
  projectId: string;
  /** Told once when the process is gone, whatever the reason (a limit, idle, unload). */
  stopped(process: WorkerdProcess): void;
}

/** Miniflare's options for the project's workers, each with our entry, the tail and the outbound path. */
function workerOptions(
  workers: readonly WorkerSource[],
  outbound: (r: Request) => Promise<Response>,
  withBindings: boolean,
): WorkerOptions[] {
  return workers.map((w) => {
    const flags = w.compatibilityFlags;
    // The entry's AsyncLocalStorage (per-invocation subrequest counts) needs one of these.
    const als = flags.includes('nodejs_compat') || flags.includes('nodejs_als') ? [] : ['nodejs_als'];
    return {
      name: w.name,
      modulesRoot: '/',
      modules: workerModules(w.modules),
      compatibilityDate: w.compatibilityDate,
      compatibilityFlags: [...flags, ...als],
      bindings: { ...w.vars },
      wrappedBindings: { ...(withBindings ? wrappedBindings(w) : {}), ...serviceBindings(w) },
      tails: [TAIL_NAME],
      outboundService: outbound,
    };
  });
}

/** Each store binding of the worker as a wrapped binding of the binder module, told who it is. */
function wrappedBindings(w: WorkerSource): NonNullable<WorkerOptions['wrappedBindings']> {
  return Object.fromEntries(
    (w.bindings ?? []).map((b) => [
      b.name,
      { scriptName: BINDER_NAME, bindings: { name: b.name, kind: b.kind, worker: w.name, target: b.target } },
    ]),
  );
}

/** Each `[[services]]` binding of the worker as a wrapped binding of the services module. */
function serviceBindings(w: WorkerSource): NonNullable<WorkerOptions['wrappedBindings']> {
  return Object.fromEntries(
    (w.services ?? []).map((s) => [s.name, { scriptName: SERVICES_NAME, bindings: { name: s.name } }]),
  );
}

/** workerd's startup complaint, with Miniflare's internal service names turned into worker names. */
function startupMessage(output: string): string {
  const text = output.replaceAll(/service core:user:([^:]+):/g, '$1:').trim();
  return text === '' ? 'workerd could not start the worker.' : text;
}

/** A binding call refused before it reaches the platform's stores: the worker's call throws it. */
function bindingError(message: string): Response {
  return Response.json({ error: message }, { status: 400 });
}

/** A service binding called outside a request in flight (module-level code, after the trace). */
function outsideRequest(): Response {
  return refused('Service bindings are only usable while the worker handles a request.');
}

/** A binding called before the process finished starting (module-level code). */
function notReady(): Response {
  return bindingError('Bindings are only usable while the worker handles a request.');
}

/**
 * One project's workerd (one Miniflare instance holding all of its workers) and the requests in
 * flight in it. The runtime's watchdog calls `check` on every tick.
 */
export class WorkerdProcess {
  readonly invocations = new Map<string, Invocation>();
  /** Set once the process is gone or going: no request is sent to it any more. */
  stoppedBy: StopReason | 'stopped' | null = null;
  lastActive = Date.now();
  /** The process's CPU time at the watchdog's last look. */
  private lastCpu: number;
  /** A request started since the watchdog's last look. */
  private requestSeen = false;

  private constructor(
    private readonly mf: Miniflare,
    readonly pid: number,
    private readonly baselineRss: number,
    private readonly deployments: ReadonlyMap<string, string>,
    /** Each worker's service bindings by name: what a call through one may reach. */
    private readonly services: ReadonlyMap<string, ReadonlyMap<string, WorkerService>>,
    private readonly hooks: ProcessHooks,
    startCpu: number,
  ) {
    this.lastCpu = startCpu;
  }

  static async start(workers: readonly WorkerSource[], hooks: ProcessHooks): Promise<WorkerdProcess> {
    let self: WorkerdProcess | undefined;
    let output = '';
    const keep = (stream: Readable) =>
      stream.on('data', (chunk: Buffer | string) => {
        if (self === undefined && output.length < MAX_STARTUP_OUTPUT) output += chunk.toString();
      });
    const outbound = outboundService({
      guard: hooks.guard,
      maxSubrequests: hooks.limits.maxSubrequests,
      invocation: (id) => self?.invocations.get(id),
    });
    // The tail worker prints each batch of traces on workerd's stdout behind this token: a pipe
    // Node already reads, cheaper than a service call per invocation. User code prints there too,
    // but cannot know the token (a binding of the tail worker only), so cannot forge a trace.
    const token = `aerostack-trace:${randomBase62(24)}:`;
    const before = new Set(childPids());
    // Loaded when a project's code first runs: a platform that hosts none never pays for it.
    const { Miniflare } = await import('miniflare');
    const mf = new Miniflare({
      handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
        keep(stdout);
        keep(stderr);
        eachLine(stdout, MAX_TRACE_LINE, (line) => {
          const at = line.indexOf(token);
          if (at < 0) return;
          let traces: Trace[];
          try {
            traces = JSON.parse(line.slice(at + token.length)) as Trace[];
          } catch {
            return; // not one of the tail worker's lines after all
          }
          self?.traced(traces);
        });
      },
      workers: [
        ...workerOptions(workers, outbound, hooks.bindings !== undefined),
        ...(hooks.bindings === undefined
          ? []
          : [
              {
                name: BINDER_NAME,
                modules: [{ type: 'ESModule' as const, path: '/binder.js', contents: BINDING_MODULE }],
                modulesRoot: '/',
                serviceBindings: { STORE: (request: Request) => self?.bindingCall(request) ?? notReady() },
              },
            ]),
        ...(workers.some((w) => (w.services ?? []).length > 0)
          ? [
              {
                name: SERVICES_NAME,
                modules: [{ type: 'ESModule' as const, path: '/services.js', contents: SERVICE_MODULE }],
                modulesRoot: '/',
                serviceBindings: {
                  PLATFORM: (request: Request) => self?.serviceCall(request) ?? outsideRequest(),
                },
              },
            ]
          : []),
        {
          name: TAIL_NAME,
          modules: [{ type: 'ESModule', path: '/tail.js', contents: TAIL_WORKER }],
          modulesRoot: '/',
          compatibilityDate: '2025-01-01',
          bindings: { TOKEN: token },
        },
      ],
    });
    let url: URL;
    try {
      url = await mf.ready;
    } catch {
      await mf.dispose().catch(() => {}); // it failed to start: nothing is left to stop
      throw new ApiError('hosting/worker-invalid', startupMessage(output));
    }
    const pid = startedWorkerd(before, Number(url.port));
    const sample = pid === null ? null : sampleProcess(pid);
    if (pid === null || sample === null) {
      await mf.dispose().catch(() => {});
      throw new Error(
        'the workerd process Miniflare started was not found: its limits could not be enforced',
      );
    }
    const deployments = new Map(workers.map((w) => [w.name, w.deploymentId]));
    const services = new Map(
      workers.map((w) => [w.name, new Map((w.services ?? []).map((s) => [s.name, s]))]),
    );
    self = new WorkerdProcess(mf, pid, sample.rssBytes, deployments, services, hooks, sample.cpuMs);
    return self;
  }

  /**
   * A call of a store binding: it must come from a request in flight of a worker of this process
   * (as a fetch must); the handler gets the project and deployment from here, never from workerd.
   */
  private async bindingCall(request: Request): Promise<Response> {
    const handler = this.hooks.bindings;
    const id = request.headers.get(INVOCATION_HEADER);
    const invocation = id === null ? undefined : this.invocations.get(id);
    if (!handler || !invocation) return notReady();
    let binding: WorkerBinding;
    try {
      binding = JSON.parse(request.headers.get(BINDING_HEADER) ?? '') as WorkerBinding;
    } catch {
      return bindingError('The binding call names no binding.');
    }
    const { name, kind, target } = binding;
    return handler(
      {
        projectId: this.hooks.projectId,
        // The invocation says which worker calls, whatever the call claims.
        worker: invocation.worker,
        deploymentId: invocation.deploymentId,
        binding: { name, kind, target },
        op: new URL(request.url).pathname.slice(1),
      },
      request,
    );
  }

  /**
   * A call through a service binding (decision 0054): from a request in flight, to the worker the
   * calling worker's binding of that name targets in this project, as a new invocation of its own
   * (logged under the target's deployment, watched) that counts as a subrequest of the caller and
   * as one more invocation of the outside request. A refusal is thrown at the caller.
   */
  private async serviceCall(request: Request): Promise<Response> {
    const id = request.headers.get(INVOCATION_HEADER);
    const caller = id === null ? undefined : this.invocations.get(id);
    if (!caller) return outsideRequest();
    let call: { name?: unknown; rpc?: unknown };
    try {
      call = JSON.parse(request.headers.get(SERVICE_HEADER) ?? '') as typeof call;
    } catch {
      return refused('The call names no service binding.');
    }
    // The invocation says which worker calls; its own bindings say where the name leads.
    const binding =
      typeof call.name === 'string' ? this.services.get(caller.worker)?.get(call.name) : undefined;
    if (!binding) return refused(`The worker ${caller.worker} has no service binding ${String(call.name)}.`);
    const over = overSubrequests(caller, this.hooks.limits.maxSubrequests);
    if (over) return over;
    if (!this.deployments.has(binding.service))
      return refused(
        `The service binding ${binding.name} names the worker ${binding.service}, which is not deployed in this project.`,
      );
    if (caller.chain.invocations >= MAX_CHAIN)
      return refused(
        `Too many Worker invocations: one request may invoke at most ${MAX_CHAIN} Workers through service bindings (is ${binding.service} calling itself back?).`,
      );
    caller.chain.invocations += 1;
    try {
      const response = await this.fetch(binding.service, request, call.rpc === true ? 'rpc' : undefined, {
        chain: caller.chain,
        entrypoint: binding.entrypoint,
      });
      response.headers.delete(REFUSED_HEADER); // only the platform refuses
      return response;
    } catch (error) {
      return refused(
        `The service binding ${binding.name} failed: ${error instanceof ApiError ? error.detail : String(error)}`,
      );
    }
  }

  /**
   * One request to `worker`, answered by it or ended by a limit; with `event`, the request is that
   * event (`scheduled`, `queue`, `rpc`) for the worker's handler of that name. `via` is the
   * service binding call it comes from.
   */
  async fetch(
    worker: string,
    request: Request,
    event?: 'scheduled' | 'queue' | 'rpc',
    via?: { chain: Invocation['chain']; entrypoint: string | undefined },
  ): Promise<Response> {
    const deploymentId = this.deployments.get(worker);
    if (deploymentId === undefined) throw new ApiError('hosting/function-not-found');
    const id = randomBase62(22);
    let stop: (error: ApiError) => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      stop = reject;
    });
    stopped.catch(() => {}); // observed by the race below, or not at all once the worker answered
    const invocation: Invocation = {
      id,
      worker,
      deploymentId,
      startedAt: Date.now(),
      cpuAtStart: sampleProcess(this.pid)?.cpuMs ?? 0,
      cpuAfterAnswer: 0,
      answeredAt: null,
      trace: null,
      exception: false,
      abandoned: false,
      subrequests: 0,
      chain: via?.chain ?? { invocations: 1 },
      stop,
    };
    this.invocations.set(id, invocation);
    this.lastActive = invocation.startedAt;
    this.requestSeen = true;
    try {
      const init = this.forwarded(request, worker, id, event, via?.entrypoint) as Parameters<
        Miniflare['dispatchFetch']
      >[1];
      const response = await Promise.race([this.mf.dispatchFetch(request.url, init), stopped]);
      return this.answer(invocation, response as unknown as Response);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      invocation.abandoned = true;
      // The connection to workerd broke: the process died (the watchdog may not have looked yet).
      if (this.stoppedBy === null && sampleProcess(this.pid) === null) this.kill('crashed');
      if (this.stoppedBy !== null && this.stoppedBy !== 'stopped') throw this.errorFor(this.stoppedBy);
      throw error;
    } finally {
      invocation.answeredAt = Date.now();
      if (invocation.trace) this.finish(invocation, invocation.trace);
    }
  }

  private forwarded(
    request: Request,
    worker: string,
    id: string,
    event: string | undefined,
    entrypoint: string | undefined,
  ): RequestInit & { duplex?: 'half' } {
    const headers = new Headers();
    request.headers.forEach((value, name) => {
      // Miniflare's control headers (mf-*) and ours are never taken from a caller.
      if (!name.startsWith('mf-') && !OWN_HEADERS.has(name)) headers.append(name, value);
    });
    if (event !== undefined) headers.set(EVENT_HEADER, event);
    if (entrypoint !== undefined) headers.set(ENTRYPOINT_HEADER, entrypoint);
    // The worker sees Accept-Encoding "br, gzip" whatever is sent here (Miniflare's entry sets it);
    // this hop asks for identity, so workerd neither compresses what Node would decode at once nor
    // holds a streamed answer back to fill its compressor.
    headers.set('Accept-Encoding', 'identity');
    headers.set('MF-Route-Override', worker);
    headers.set('MF-Disable-Pretty-Error', '1');
    headers.set(INVOCATION_HEADER, id);
    const body = request.body === null ? {} : { body: request.body, duplex: 'half' as const };
    return { method: request.method, headers, redirect: 'manual', signal: request.signal, ...body };
  }

  /** The worker's response as the platform hands it on, without our markers. */
  private answer(invocation: Invocation, response: Response): Response {
    if (response.headers.has(EXCEPTION_HEADER)) {
      invocation.exception = true;
      response.headers.delete(EXCEPTION_HEADER);
    }
    // Miniflare's fetch has decoded a compressed body already and names the encoding it removed.
    response.headers.delete('MF-Content-Encoding');
    return response;
  }

  /** The tail worker's report of finished invocations: their logs go out, they stop counting. */
  private traced(traces: Trace[]): void {
    for (const trace of traces) {
      const invocation = trace.invocation === null ? undefined : this.invocations.get(trace.invocation);
      if (!invocation) continue; // ended by a limit already, and reported then
      // Its outcome depends on the answer (the entry's exception marker): wait for it.
      if (invocation.answeredAt === null) invocation.trace = trace;
      else this.finish(invocation, trace);
    }
  }

  private finish(invocation: Invocation, trace: Trace): void {
    if (!this.invocations.delete(invocation.id)) return;
    this.lastActive = Date.now();
    this.report(invocation, invocation.exception ? 'exception' : outcomeOf(trace), linesOf(trace));
  }

  private report(
    invocation: Invocation,
    outcome: InvocationLog['outcome'],
    lines: InvocationLog['lines'],
  ): void {
    this.hooks.log({
      deploymentId: invocation.deploymentId,
      worker: invocation.worker,
      at: invocation.startedAt,
      outcome,
      lines,
    });
  }

  private errorFor(reason: StopReason): ApiError {
    return limitError(reason, this.hooks.limits);
  }

  /** The watchdog's look at the process: stops it when a request or the process is past a limit. */
  check(now: number): void {
    if (this.stoppedBy !== null) return;
    const sample = sampleProcess(this.pid);
    const reason = this.overLimit(sample, now, !this.requestSeen);
    this.requestSeen = false;
    if (sample) this.lastCpu = sample.cpuMs;
    if (reason !== null) this.kill(reason);
  }

  /**
   * The limit the process or a request in flight is past, if any. workerd runs a project's
   * isolates on one thread, so the process's CPU time is what its requests used together:
   * - a request that has not answered is charged all of it since it started (a loop is caught
   *   whatever else is in flight; a quiet request waiting beside busy ones is over-charged);
   * - one that has answered (a streamed body, `waitUntil` work) is charged only for the watchdog's
   *   periods in which no request came or waited for an answer (`quiet`): a long-lived stream beside
   *   a busy project is not stopped for the others' work, and a loop in a stream is still caught
   *   (alone, or through the requests it blocks).
   */
  private overLimit(sample: ProcessSample | null, now: number, quiet: boolean): StopReason | null {
    if (sample === null) return 'crashed';
    const { cpuMs, wallMs, memoryBytes } = this.hooks.limits;
    if (sample.rssBytes - this.baselineRss > memoryBytes) return 'memory-limit';
    const counted = [...this.invocations.values()].filter((invocation) => {
      // Answered long ago and its trace never came: stop keeping it.
      if (invocation.answeredAt !== null && now - invocation.answeredAt > wallMs) {
        this.invocations.delete(invocation.id);
        return false;
      }
      return !invocation.abandoned;
    });
    const waiting = counted.filter((invocation) => invocation.answeredAt === null);
    for (const invocation of waiting) {
      if (sample.cpuMs - invocation.cpuAtStart > cpuMs) return 'cpu-limit';
      if (now - invocation.startedAt > wallMs) return 'wall-limit';
    }
    if (waiting.length > 0 || !quiet) return null;
    const delta = Math.max(0, sample.cpuMs - this.lastCpu);
    for (const invocation of counted) {
      invocation.cpuAfterAnswer += delta;
      if (invocation.cpuAfterAnswer > cpuMs) return 'cpu-limit';
    }
    return null;
  }

  /**
   * Kills workerd at once (SIGKILL: a loop does not yield to anything gentler) and ends every
   * request in flight with the reason, each reported with it as its outcome.
   */
  kill(reason: StopReason): void {
    if (this.stoppedBy !== null) return;
    this.stoppedBy = reason;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {} // already gone
    for (const invocation of this.invocations.values()) {
      invocation.stop(this.errorFor(reason));
      this.report(invocation, reason, []);
    }
    this.invocations.clear();
    void this.mf.dispose().catch(() => {});
    this.hooks.stopped(this);
  }

  /** Stops the process (idle, unload, close); requests in flight end as the connection does. */
  async stop(): Promise<void> {
    if (this.stoppedBy !== null) return;
    this.stoppedBy = 'stopped';
    this.hooks.stopped(this);
    await this.mf.dispose().catch(() => {});
  }
}
