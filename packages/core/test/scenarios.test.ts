// The cross-language scenario suite (scenarios/README.md) run through the TypeScript clients: each
// step's operationId goes to the method a TS user calls (`client.cache.*` of @aerostack/core, the
// admin client of @aerostack/node), against the real platform started in-process like the other
// platform tests here (with the test-only fixture module for scenarios/fixtures/). Expected values
// live only in the JSON files.
import { existsSync } from 'node:fs';
import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixturePlatform } from '../../../platform/test/fixtures/platform';
import { type AdminClient, createAdminClient } from '../../node/src/admin/create-admin-client';
import {
  type AerostackClient,
  createClient,
  isAerostackError,
  openEventStream,
  paginate,
  type RequestOptions,
} from '../src';
import { startTestPlatform } from './support/platform';
import {
  bytesBody,
  type Json,
  mismatches,
  newUnique,
  type Scenario,
  type Step,
  scenarioFiles,
  sha256Hex,
  Variables,
} from './support/scenarios';

const SCENARIOS = new URL('../../../scenarios/', import.meta.url).pathname;

/** One step's arguments, by wire name, variables resolved. */
interface Args {
  path: Record<string, Json>;
  query: Record<string, Json>;
  headers: Record<string, string>;
  body: Json | undefined;
}

/** The clients of one credential: the core client and, with a key, the admin client. */
interface Clients {
  client: AerostackClient;
  admin: AdminClient | undefined;
}

const str = (value: Json | undefined) => (value === undefined ? undefined : String(value));
const num = (value: Json | undefined) => (value === undefined ? undefined : Number(value));

/** The step's headers as per-call options, without the ones a method takes as an argument. */
function options(args: Args, ...taken: string[]): RequestOptions {
  const skip = new Set(taken.map((name) => name.toLowerCase()));
  const headers = Object.fromEntries(
    Object.entries(args.headers).filter(([k]) => !skip.has(k.toLowerCase())),
  );
  return Object.keys(headers).length > 0 ? { headers } : {};
}

/** The step's workspace id (path parameter). */
const ws = (args: Args) => String(args.path.workspaceId);

/** The step's project and worker (path parameters). */
const project = (args: Args) => String(args.path.projectId);
const worker = (args: Args) => String(args.path.workerName);

/** The step's `limit` and `cursor`. */
const listQueryOf = (args: Args) => ({ limit: num(args.query.limit), cursor: str(args.query.cursor) });

/** A list method's options: the step's `limit` and `cursor` plus its headers. */
const listOptions = (args: Args) => ({ ...listQueryOf(args), ...options(args) });

function admin(clients: Clients): AdminClient {
  if (!clients.admin) throw new Error('the admin client needs a credential');
  return clients.admin;
}

const IDEMPOTENCY_KEY = 'Idempotency-Key';
const idempotencyKey = (args: Args) =>
  Object.entries(args.headers).find(([name]) => name.toLowerCase() === 'idempotency-key')?.[1];

type Call = (clients: Clients, args: Args) => Promise<unknown>;

/**
 * operationId → the idiomatic TS call. Results are what the method returns, except where the TS
 * method returns a narrower value than the operation's body (noted), which is put back in the
 * body's shape so the scenario's expectation applies.
 */
const CALLS: Record<string, Call> = {
  'health.check': ({ client }, args) => client.health(options(args)),
  'account.get': (clients, args) => admin(clients).account.get(options(args)),
  'projects.list': (clients, args) => admin(clients).projects.list(listOptions(args)),
  'projects.create': (clients, args) =>
    admin(clients).projects.create(
      { name: String((args.body as { name: Json }).name) },
      { idempotencyKey: idempotencyKey(args), ...options(args, IDEMPOTENCY_KEY) },
    ),
  'projects.get': (clients, args) => admin(clients).projects.get(String(args.path.projectId), options(args)),
  'projects.update': (clients, args) =>
    admin(clients).projects.update(String(args.path.projectId), args.body as never, options(args)),
  'projects.delete': (clients, args) =>
    admin(clients).projects.delete(String(args.path.projectId), options(args)),
  'projects.keys.list': (clients, args) =>
    admin(clients).projects.keys.list(String(args.path.projectId), listOptions(args)),
  'projects.keys.rotate': (clients, args) =>
    admin(clients).projects.keys.rotate(
      String(args.path.projectId),
      { type: (args.body as { type: 'secret' | 'publishable' }).type },
      { idempotencyKey: idempotencyKey(args), ...options(args, IDEMPOTENCY_KEY) },
    ),
  // `client.cache.get` resolves null for `cache/not-found` (a miss is not an error in TS), which
  // would hide the 404 a scenario expects: the typed operation method of the same client keeps it.
  'cache.get': ({ client }, args) =>
    client.http.GET('/v1/cache/{key}', {
      params: { path: { key: String(args.path.key) } },
      ...options(args),
    }),
  'cache.set': ({ client }, args) => {
    const body = args.body as { value: Json; ttlSeconds?: number };
    return client.cache.set(String(args.path.key), body.value, {
      ttlSeconds: body.ttlSeconds,
      ...options(args),
    });
  },
  // `cache.delete` resolves the body's `deleted` flag.
  'cache.delete': async ({ client }, args) => ({
    deleted: await client.cache.delete(String(args.path.key), options(args)),
  }),
  'cache.increment': ({ client }, args) => {
    const body = (args.body ?? {}) as { by?: number; ttlSeconds?: number };
    return client.cache.increment(String(args.path.key), {
      by: body.by,
      ttlSeconds: body.ttlSeconds,
      ...options(args),
    });
  },
  'cache.decrement': ({ client }, args) => {
    const body = (args.body ?? {}) as { by?: number; ttlSeconds?: number };
    return client.cache.decrement(String(args.path.key), {
      by: body.by,
      ttlSeconds: body.ttlSeconds,
      ...options(args),
    });
  },
  // `getMany` lines its result up with the keys (null for a miss): the hits are the wire's entries.
  'cache.getMany': async ({ client }, args) => ({
    entries: (await client.cache.getMany((args.body as { keys: string[] }).keys, options(args))).filter(
      (entry) => entry !== null,
    ),
  }),
  'cache.setMany': async ({ client }, args) => ({
    entries: await client.cache.setMany(
      (args.body as { entries: Array<{ key: string; value: Json; ttlSeconds?: number }> }).entries,
      options(args),
    ),
  }),
  'cache.deleteMany': async ({ client }, args) => ({
    deleted: await client.cache.deleteMany((args.body as { keys: string[] }).keys, options(args)),
  }),
  // `client.cache.expire` resolves null for `cache/not-found`, like `get`: the typed method keeps the 404.
  'cache.expire': ({ client }, args) =>
    client.http.POST('/v1/cache/{key}/expire', {
      params: { path: { key: String(args.path.key) } },
      body: args.body as { ttlSeconds: number | null },
      ...options(args),
    }),
  'cache.list': ({ client }, args) =>
    client.cache.list({ prefix: str(args.query.prefix), ...listOptions(args) }),
  'cache.flush': async ({ client }, args) => ({
    deleted: await client.cache.flush((args.body as { prefix: string }).prefix, options(args)),
  }),
  // End users: the session-bearing results are what `client.auth` returns (the session without
  // `tokenType` / `expiresIn`, which the scenarios do not assert). `auth.refresh` and
  // `auth.signOut` with a given token have no method of their own in TS: the client refreshes and
  // signs out its own stored session, so these go through the typed transport.
  'auth.signUp': ({ client }, args) => client.auth.signUp(args.body as never, options(args)),
  'auth.signInWithPassword': ({ client }, args) =>
    client.auth.signInWithPassword(args.body as never, options(args)),
  'auth.getUser': ({ client }, args) => client.auth.refreshUser(options(args)),
  'auth.refresh': ({ client }, args) =>
    client.http.POST('/v1/auth/refresh', { body: args.body as never, ...options(args) }),
  'auth.signOut': ({ client }, args) =>
    client.http.POST('/v1/auth/sign-out', { body: args.body as never, ...options(args) }),
  'auth.users.list': ({ client }, args) =>
    client.http.GET('/v1/auth/users', { params: { query: args.query as never }, ...options(args) }),
  'db.query': ({ client }, args) => {
    const { sql, params } = args.body as unknown as { sql: string; params?: never };
    return client.db.query(sql, params, options(args));
  },
  // `db.batch` resolves the results array.
  'db.batch': async ({ client }, args) => ({
    results: await client.db.batch((args.body as { statements: never[] }).statements, options(args)),
  }),
  'db.migrations.apply': ({ client }, args) =>
    client.db.migrate((args.body as { migrations: never[] }).migrations, options(args)),
  'realtime.publish': ({ client }, args) => {
    const { channel, event, data } = args.body as { channel: string; event: string; data: Json };
    return client.realtime.publish(channel, event, data, options(args));
  },
  'realtime.history': ({ client }, args) =>
    client.realtime.history(String(args.query.channel), {
      limit: num(args.query.limit),
      cursor: str(args.query.cursor),
      ...options(args),
    }),
  'ai.chat': ({ client }, args) => client.ai.chat(args.body as never, options(args)),
  'ai.embed': ({ client }, args) => {
    const { texts, model } = args.body as { texts: string[]; model?: string };
    return client.ai.embed(texts, { model, ...options(args) });
  },
  'ai.usage': ({ client }, args) =>
    client.ai.usage({
      since: str(args.query.since),
      until: str(args.query.until),
      keyId: str(args.query.keyId),
      ...listOptions(args),
    }),
  // The queue. `queue.pull` resolves the leased jobs, put back in the body's `data`.
  'queue.enqueue': ({ client }, args) => {
    const { type, payload, ...rest } = args.body as { type: string; payload?: Json } & Record<string, never>;
    return client.queue.enqueue(type, payload, { ...rest, ...options(args) });
  },
  'queue.get': ({ client }, args) => client.queue.get(String(args.path.jobId), options(args)),
  'queue.list': ({ client }, args) =>
    client.queue.list({ ...(args.query as Record<string, never>), ...listOptions(args) }),
  'queue.cancel': ({ client }, args) => client.queue.cancel(String(args.path.jobId), options(args)),
  'queue.redrive': ({ client }, args) => client.queue.redrive(String(args.path.jobId), options(args)),
  'queue.pull': async ({ client }, args) => ({
    data: await client.queue.pull({ ...(args.body as Record<string, never>), ...options(args) }),
  }),
  'queue.heartbeat': ({ client }, args) => {
    const { leaseId, leaseSeconds } = args.body as { leaseId: string; leaseSeconds?: number };
    return client.queue.heartbeat(String(args.path.jobId), leaseId, { leaseSeconds, ...options(args) });
  },
  'queue.ack': ({ client }, args) => {
    const { leaseId, result } = args.body as { leaseId: string; result?: Json };
    return client.queue.ack(String(args.path.jobId), leaseId, result, options(args));
  },
  'queue.fail': ({ client }, args) => {
    const { leaseId, error, retry } = args.body as { leaseId: string; error: string; retry?: boolean };
    return client.queue.fail(String(args.path.jobId), leaseId, error, { retry, ...options(args) });
  },
  // Workspaces (the admin client's `workspaces`, also usable with a workspace admin token).
  'workspaces.create': (clients, args) =>
    admin(clients).workspaces.create(args.body as never, {
      idempotencyKey: idempotencyKey(args),
      ...options(args, IDEMPOTENCY_KEY),
    }),
  'workspaces.get': (clients, args) => admin(clients).workspaces.get(ws(args), options(args)),
  'workspaces.update': (clients, args) =>
    admin(clients).workspaces.update(ws(args), args.body as never, options(args)),
  'workspaces.delete': (clients, args) => admin(clients).workspaces.delete(ws(args), options(args)),
  'workspaces.members.create': (clients, args) =>
    admin(clients).workspaces.members.create(ws(args), args.body as never, {
      idempotencyKey: idempotencyKey(args),
      ...options(args, IDEMPOTENCY_KEY),
    }),
  'workspaces.tokens.create': (clients, args) =>
    admin(clients).workspaces.tokens.create(ws(args), args.body as never, {
      idempotencyKey: idempotencyKey(args),
      ...options(args, IDEMPOTENCY_KEY),
    }),
  'workspaces.tokens.list': (clients, args) =>
    admin(clients).workspaces.tokens.list(ws(args), listOptions(args)),
  'workspaces.tokens.revoke': (clients, args) =>
    admin(clients).workspaces.tokens.revoke(ws(args), String(args.path.tokenId), options(args)),
  'workspaces.secrets.set': (clients, args) =>
    admin(clients).workspaces.secrets.set(
      ws(args),
      String(args.path.secretName),
      String((args.body as { value: Json }).value),
      options(args),
    ),
  'workspaces.secrets.list': (clients, args) =>
    admin(clients).workspaces.secrets.list(ws(args), listOptions(args)),
  'workspaces.servers.create': (clients, args) =>
    admin(clients).workspaces.servers.create(ws(args), args.body as never, {
      idempotencyKey: idempotencyKey(args),
      ...options(args, IDEMPOTENCY_KEY),
    }),
  'workspaces.servers.update': (clients, args) =>
    admin(clients).workspaces.servers.update(
      ws(args),
      String(args.path.serverId),
      args.body as never,
      options(args),
    ),
  'workspaces.audit.list': (clients, args) =>
    admin(clients).workspaces.audit.list(ws(args), listOptions(args)),
  'workspaces.analytics.summary': (clients, args) =>
    admin(clients).workspaces.analytics.summary(ws(args), { ...(args.query as object), ...options(args) }),
  'workspaces.analytics.usage': (clients, args) =>
    admin(clients).workspaces.analytics.usage(ws(args), options(args)),
  // Hosted code (the admin client's `hosting`).
  'hosting.deployments.create': (clients, args) =>
    admin(clients).hosting.deploy(project(args), args.body as never, {
      idempotencyKey: idempotencyKey(args),
      ...options(args, IDEMPOTENCY_KEY),
    }),
  'hosting.deployments.list': (clients, args) =>
    admin(clients).hosting.deployments.list(project(args), worker(args), listOptions(args)),
  'hosting.deployments.get': (clients, args) =>
    admin(clients).hosting.deployments.get(
      project(args),
      worker(args),
      String(args.path.deploymentId),
      options(args),
    ),
  'hosting.deployments.rollback': (clients, args) =>
    admin(clients).hosting.deployments.rollback(
      project(args),
      worker(args),
      String((args.body as { deploymentId: Json }).deploymentId),
      { idempotencyKey: idempotencyKey(args), ...options(args, IDEMPOTENCY_KEY) },
    ),
  'hosting.workers.list': (clients, args) =>
    admin(clients).hosting.workers.list(project(args), listOptions(args)),
  'hosting.workers.get': (clients, args) =>
    admin(clients).hosting.workers.get(project(args), worker(args), options(args)),
  'hosting.workers.delete': (clients, args) =>
    admin(clients).hosting.workers.delete(project(args), worker(args), options(args)),
  'hosting.secrets.set': (clients, args) =>
    admin(clients).hosting.secrets.set(
      project(args),
      String(args.path.secretName),
      String((args.body as { value: Json }).value),
      options(args),
    ),
  'hosting.secrets.list': (clients, args) =>
    admin(clients).hosting.secrets.list(project(args), listOptions(args)),
  'hosting.secrets.delete': (clients, args) =>
    admin(clients).hosting.secrets.delete(project(args), String(args.path.secretName), options(args)),
  // `hosting.catalog.list` of the admin client takes no `kind` filter yet: with one, its typed
  // operation method.
  'hosting.catalog.list': (clients, args) =>
    args.query.kind === undefined
      ? admin(clients).hosting.catalog.list(project(args), listOptions(args))
      : admin(clients).http.GET('/v1/projects/{projectId}/catalog', {
          params: {
            path: { projectId: project(args) },
            query: { ...listQueryOf(args), kind: args.query.kind as 'mcp-server' | 'skill' },
          },
          ...options(args),
        }),
  'hosting.catalog.get': (clients, args) =>
    admin(clients).hosting.catalog.get(project(args), String(args.path.slug), options(args)),
  'storage.upload': ({ client }, args) => {
    const body = bytesBody(args.body);
    if (!body) throw new Error('storage.upload takes a $bytes body');
    return client.storage.upload(String(args.path.key), body, {
      contentType: str(args.query.contentType),
      cacheControl: str(args.query.cacheControl),
      metadata: args.query.metadata === undefined ? undefined : JSON.parse(String(args.query.metadata)),
      ...options(args),
    });
  },
  'storage.head': ({ client }, args) => client.storage.head(String(args.path.key), options(args)),
  'storage.download': ({ client }, args) =>
    client.storage.download(String(args.path.key), { headers: args.headers }),
  // `storage.delete` resolves the body's `deleted` flag.
  'storage.delete': async ({ client }, args) => ({
    deleted: await client.storage.delete(String(args.path.key), options(args)),
  }),
  'storage.list': ({ client }, args) =>
    client.storage.list({ prefix: str(args.query.prefix), ...listOptions(args) }),
  'storage.copy': ({ client }, args) => {
    const body = args.body as { sourceKey: string; destinationKey: string };
    return client.storage.copy(body.sourceKey, body.destinationKey, options(args));
  },
  'storage.move': ({ client }, args) => {
    const body = args.body as { sourceKey: string; destinationKey: string };
    return client.storage.move(body.sourceKey, body.destinationKey, options(args));
  },
  'storage.createSignedUrl': ({ client }, args) => {
    const { key, ...rest } = args.body as { key: string; method?: 'GET' | 'PUT'; expiresInSeconds?: number };
    return client.storage.createSignedUrl(key, { ...rest, ...options(args) });
  },
  // Vector search. Methods that resolve one field of the body (`upserted`, `matches`, `vectors`,
  // `deleted`, `count`) are put back in the body's shape.
  'vector.indexes.create': ({ client }, args) =>
    client.vector.indexes.create(args.body as never, options(args)),
  'vector.indexes.get': ({ client }, args) =>
    client.vector.indexes.get(String(args.path.index), options(args)),
  'vector.indexes.list': ({ client }, args) => client.vector.indexes.list(listOptions(args)),
  'vector.indexes.delete': ({ client }, args) =>
    client.vector.indexes.delete(String(args.path.index), options(args)),
  'vector.upsert': async ({ client }, args) => ({
    upserted: await client.vector.upsert(
      String(args.path.index),
      (args.body as { vectors: never[] }).vectors,
      options(args),
    ),
  }),
  'vector.query': async ({ client }, args) => ({
    matches: await client.vector.query(String(args.path.index), {
      ...(args.body as object),
      ...options(args),
    }),
  }),
  'vector.get': async ({ client }, args) => ({
    vectors: await client.vector.get(
      String(args.path.index),
      (args.body as { ids: string[] }).ids,
      options(args),
    ),
  }),
  'vector.delete': async ({ client }, args) => {
    const body = args.body as { ids?: string[]; filter?: never };
    const target = body.ids ?? { filter: body.filter as never };
    return { deleted: await client.vector.delete(String(args.path.index), target, options(args)) };
  },
  'vector.count': async ({ client }, args) => ({
    count: await client.vector.count(String(args.path.index), options(args)),
  }),
  'vector.ingest': ({ client }, args) => {
    const { text, ...rest } = args.body as { text: string };
    return client.vector.ingest(String(args.path.index), text, { ...rest, ...options(args) });
  },
  // The fixture operations are test-only (never in the bundled spec), so the TS client has no
  // methods for them: they go through its byte and stream helpers (scenarios/README.md).
  'fixtures.upload': async ({ client }, args) => {
    const body = bytesBody(args.body);
    if (!body) throw new Error('fixtures.upload takes a $bytes body');
    const response = await client.http.request(`/test/blobs/${encodeURIComponent(String(args.path.name))}`, {
      method: 'PUT',
      body,
      headers: { 'Content-Type': 'application/octet-stream', ...args.headers },
    });
    return response.json();
  },
  'fixtures.download': ({ client }, args) =>
    client.http.request(`/test/blobs/${encodeURIComponent(String(args.path.name))}`, {
      headers: args.headers,
    }),
};

type Pager = (clients: Clients, args: Args, pageSize: number) => AsyncIterable<unknown>;

/** operationId → the TS iterator over every item of every page. */
const PAGERS: Record<string, Pager> = {
  'cache.list': ({ client }, args, pageSize) =>
    paginate((cursor) =>
      client.cache.list({ prefix: str(args.query.prefix), limit: pageSize, cursor, ...options(args) }),
    ),
  'storage.list': ({ client }, args, pageSize) =>
    client.storage.listAll({ prefix: str(args.query.prefix), pageSize, ...options(args) }),
  'auth.users.list': ({ client }, args, pageSize) =>
    paginate((cursor) =>
      client.http.GET('/v1/auth/users', { params: { query: { limit: pageSize, cursor } }, ...options(args) }),
    ),
  'projects.list': (clients, args, pageSize) =>
    admin(clients).projects.listAll({ pageSize, ...options(args) }),
  'projects.keys.list': (clients, args, pageSize) =>
    admin(clients).projects.keys.listAll(String(args.path.projectId), { pageSize, ...options(args) }),
  'hosting.deployments.list': (clients, args, pageSize) =>
    admin(clients).hosting.deployments.listAll(project(args), worker(args), { pageSize, ...options(args) }),
  'workspaces.audit.list': (clients, args, pageSize) =>
    admin(clients).workspaces.audit.listAll(ws(args), { pageSize, ...options(args) }),
  'queue.list': ({ client }, args, pageSize) =>
    paginate((cursor) =>
      client.queue.list({
        ...(args.query as Record<string, never>),
        limit: pageSize,
        cursor,
        ...options(args),
      }),
    ),
};

type Streamer = (
  clients: Clients,
  args: Args,
) => AsyncIterable<{ id?: string; event: string; data: unknown }>;

/** operationId → the TS event stream. */
const STREAMS: Record<string, Streamer> = {
  'realtime.subscribe': ({ client }, args) => {
    const { 'Last-Event-ID': lastEventId, ...headers } = args.headers;
    return client.realtime.subscribe(args.query.channel as string[], {
      lastEventId,
      headers,
      maxReconnects: 0,
    });
  },
  'ai.chatStream': ({ client }, args) => client.ai.stream(args.body as never, options(args)),
  'fixtures.events': ({ client }, args) => {
    const query = new URLSearchParams(
      Object.entries(args.query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    const { 'Last-Event-ID': lastEventId, ...headers } = args.headers;
    return openEventStream(client, `/test/events?${query}`, { lastEventId, headers, maxReconnects: 0 });
  },
};

/** The credentials a scenario names, from the platform it runs against. */
interface Keys {
  url: string;
  secretKey: string;
  publishableKey: string;
  accountKey: string;
}

function clientsFor(keys: Keys, credential: string): Clients {
  const { url } = keys;
  // The core client gets the key under its own name; the admin client sends whichever key it is
  // given (a step may give it the wrong kind, to see the platform refuse it).
  const named: Record<string, [option: 'secretKey' | 'publishableKey' | 'accountKey', key: string]> = {
    secretKey: ['secretKey', keys.secretKey],
    publishableKey: ['publishableKey', keys.publishableKey],
    accountKey: ['accountKey', keys.accountKey],
  };
  if (credential === 'none') return { client: createClient({ url }), admin: undefined };
  // Anything else is a credential itself (`${saved}`, resolved), sent as a secret key.
  const [option, key] = named[credential] ?? ['secretKey', credential];
  return {
    client: createClient({ url, [option]: key }),
    admin: createAdminClient({ url, accountKey: key }),
  };
}

function assertMatches(expected: Json, actual: unknown, what: string) {
  const problems = mismatches(expected, actual);
  if (problems.length > 0) {
    expect.fail(`${what} does not match:\n  ${problems.join('\n  ')}\nactual: ${JSON.stringify(actual)}`);
  }
}

async function runStep(step: Step, scenario: Scenario, keys: Keys, vars: Variables): Promise<void> {
  const args: Args = {
    path: vars.resolve(step.path ?? {}),
    query: vars.resolve(step.query ?? {}),
    headers: Object.fromEntries(
      Object.entries(vars.resolve(step.headers ?? {})).map(([k, v]) => [k, String(v)]),
    ),
    body: vars.resolve(step.body),
  };
  const clients = clientsFor(
    keys,
    String(vars.resolve(step.credential ?? scenario.credential ?? 'secretKey')),
  );
  const want = vars.resolve(step.expect as Json) as Step['expect'];

  if (want.pages) {
    const pager = PAGERS[step.call];
    if (!pager) throw new Error(`no paginated TS call for ${step.call}`);
    const items: unknown[] = [];
    for await (const item of pager(clients, args, want.pages.pageSize)) items.push(item);
    assertMatches(want.pages.items, items, 'the items of every page');
    return;
  }
  if (want.events) {
    const streamer = STREAMS[step.call];
    if (!streamer) throw new Error(`no event-stream TS call for ${step.call}`);
    const { take, match, last } = want.events;
    const events: unknown[] = [];
    let final: unknown = null;
    // With `last`, the stream is read to its end; otherwise up to its first `take` events.
    if (take > 0 || last !== undefined) {
      for await (const { id, event, data } of streamer(clients, args)) {
        final = { event, id, data };
        if (events.length < take) events.push(final);
        if (last === undefined && events.length >= take) break;
      }
    }
    assertMatches(match, events, `the first ${take} events`);
    if (last !== undefined) assertMatches(last, final, 'the last event');
    return;
  }

  const stream = STREAMS[step.call];
  // An event stream's error arrives when it is first read.
  const call: Call | undefined =
    CALLS[step.call] ??
    (stream &&
      (async (c, a) => {
        for await (const event of stream(c, a)) return event;
      }));
  if (!call) throw new Error(`no TS call for ${step.call}: add it to CALLS`);
  let result: unknown;
  try {
    result = await call(clients, args);
  } catch (error) {
    if (!want.error || !isAerostackError(error)) throw error;
    const { status, code, title, detail, requestId } = error;
    assertMatches(want.error, { status, code, title, detail, requestId }, 'the error');
    return;
  }
  if (want.error)
    expect.fail(`expected an error ${JSON.stringify(want.error)}, got ${JSON.stringify(result)}`);
  if (want.bytes) {
    const response = result as Response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const actual: Record<string, Json> = { length: bytes.byteLength, sha256: sha256Hex(bytes) };
    if (want.bytes.status !== undefined) actual.status = response.status;
    assertMatches(want.bytes, actual, 'the downloaded bytes');
    return;
  }
  if (want.empty) {
    expect(result ?? null).toBeNull();
    return;
  }
  assertMatches(want.result ?? null, result, 'the result');
  vars.save(step.save, result);
}

/** A describe block per scenario file of `dir`, run against the platform `start` gives. */
function suite(dir: string, start: () => Promise<RunningPlatform>, timeout?: number) {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await start();
  });
  afterAll(() => platform?.close());

  for (const { file, scenario } of scenarioFiles(dir)) {
    describe(`${file}: ${scenario.name}`, () => {
      let vars: Variables;
      let failed = false;
      beforeAll(() => {
        const env: Record<string, string> = {
          AEROSTACK_URL: platform.url,
          AEROSTACK_ACCOUNT_KEY: platform.accountKey,
          AEROSTACK_PROJECT_ID: platform.projectId,
          AEROSTACK_SECRET_KEY: platform.secretKey,
          AEROSTACK_PUBLISHABLE_KEY: platform.publishableKey,
        };
        vars = new Variables(newUnique(), (name) => env[name] ?? process.env[name]);
      });
      scenario.steps.forEach((step, i) => {
        it(`${i + 1}. ${step.name ?? step.call}`, { timeout }, async (context) => {
          // Steps build on each other: after a failure the rest of the file is skipped, not failed.
          if (failed) context.skip();
          try {
            await runStep(step, scenario, platform, vars);
          } catch (error) {
            failed = true;
            throw error;
          }
        });
      });
    });
  }
}

describe('scenarios', () => suite(SCENARIOS, startTestPlatform));
describe('scenarios/fixtures', () => suite(`${SCENARIOS}fixtures/`, startFixturePlatform));

// scenarios/ai-local/: AI answering for real, through the local provider (llama.cpp and the model
// scripts/system-deps.sh installs, as platform/test/ai-local.test.ts uses it). Without the model
// the folder is skipped, except in CI, where its absence fails.
const LOCAL_MODEL =
  process.env.AEROSTACK_TEST_LOCAL_MODEL ?? '/tmp/aerostack-ai-model/SmolLM2-135M-Instruct.Q4_1.gguf';
describe('scenarios/ai-local', () => {
  if (existsSync(LOCAL_MODEL)) {
    const start = () =>
      startTestPlatform({ AEROSTACK_AI_PROVIDER: 'local', AEROSTACK_AI_LOCAL_MODEL: LOCAL_MODEL });
    // A step waits for the model to load and write (seconds; more on a loaded machine).
    suite(`${SCENARIOS}ai-local/`, start, 120_000);
  } else {
    it.skipIf(!process.env.CI)(`has the local model at ${LOCAL_MODEL}`, () => {
      expect.fail(`no local model at ${LOCAL_MODEL}: run scripts/system-deps.sh`);
    });
  }
});
