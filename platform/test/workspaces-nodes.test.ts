import { describe, expect, it } from 'vitest';
import type { Platform } from '../src/platform.js';
import { callNode as call, SHARED_BACKENDS, twoNodes } from './support/two-nodes.js';

// Two nodes (two platforms) on one PostgreSQL, with and without Redis: whatever one node changes
// about a workspace — a token revoked, a role changed, a member removed, the workspace deleted or
// renamed, a secret replaced — the other node applies on its next request after the bus has
// carried the change (milliseconds), although it had cached the old state.

const BOUND_MS = 2_000;

/** Polls `read` until `done`; returns how long it took. Fails past BOUND_MS. */
async function within<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<number> {
  const started = Date.now();
  let value = await read();
  while (!done(value) && Date.now() - started < BOUND_MS + 1_000) {
    await new Promise((r) => setTimeout(r, 10));
    value = await read();
  }
  expect(done(value), `still ${JSON.stringify(value)}`).toBe(true);
  const took = Date.now() - started;
  expect(took).toBeLessThan(BOUND_MS);
  return took;
}

describe.each(SHARED_BACKENDS)('workspaces on two nodes on $name', (backend) => {
  const nodes = twoNodes(backend);
  const key = () => nodes.a.keys!.accountKey;
  const status = async (node: Platform, path: string, credential: string) =>
    (await call(node, 'GET', path, credential)).status;

  /** A workspace with an admin member and a token of theirs, which node B has cached. */
  async function fixture(slug: string) {
    const { a, b } = nodes;
    const ws = (await call(a, 'POST', '/v1/workspaces', key(), { name: slug, slug })).json.id as string;
    const member = (
      await call(a, 'POST', `/v1/workspaces/${ws}/members`, key(), { name: 'Ada', role: 'admin' })
    ).json.id as string;
    const token = (await call(a, 'POST', `/v1/workspaces/${ws}/tokens`, key(), { memberId: member })).json;
    expect(await status(b, `/v1/workspaces/${ws}`, token.secret)).toBe(200);
    return { ws, member, tokenId: token.token.id as string, secret: token.secret as string };
  }

  it('refuses a token revoked on the other node', async () => {
    const { a, b } = nodes;
    const f = await fixture('revoked');
    expect((await call(a, 'DELETE', `/v1/workspaces/${f.ws}/tokens/${f.tokenId}`, key())).status).toBe(204);
    await within(
      () => status(b, `/v1/workspaces/${f.ws}`, f.secret),
      (s) => s === 401,
    );
  });

  it('applies a role change and a member removal made on the other node', async () => {
    const { a, b } = nodes;
    const f = await fixture('roles');
    await call(a, 'PATCH', `/v1/workspaces/${f.ws}/members/${f.member}`, key(), { role: 'read-only' });
    await within(
      () => status(b, `/v1/workspaces/${f.ws}`, f.secret),
      (s) => s === 403,
    );
    await call(a, 'PATCH', `/v1/workspaces/${f.ws}/members/${f.member}`, key(), { role: 'admin' });
    await within(
      () => status(b, `/v1/workspaces/${f.ws}`, f.secret),
      (s) => s === 200,
    );
    expect((await call(a, 'DELETE', `/v1/workspaces/${f.ws}/members/${f.member}`, key())).status).toBe(204);
    await within(
      () => status(b, `/v1/workspaces/${f.ws}`, f.secret),
      (s) => s === 401,
    );
  });

  it('forgets a workspace deleted or renamed on the other node', async () => {
    const { a, b } = nodes;
    const renamed = await fixture('renamed-a');
    expect((await b.services.workspaces.bySlug('renamed-a'))?.id).toBe(renamed.ws);
    await call(a, 'PATCH', `/v1/workspaces/${renamed.ws}`, key(), {
      slug: 'renamed-b',
      limits: { requestsPerMinute: 7 },
    });
    await within(
      () => b.services.workspaces.bySlug('renamed-a'),
      (ws) => ws === null,
    );
    expect(
      b.services.workspaces.limitsOf((await b.services.workspaces.byId(renamed.ws))!).requestsPerMinute,
    ).toBe(7);

    const deleted = await fixture('deleted');
    expect((await b.services.workspaces.bySlug('deleted'))?.id).toBe(deleted.ws);
    expect((await call(a, 'DELETE', `/v1/workspaces/${deleted.ws}`, key())).status).toBe(204);
    await within(
      () => status(b, `/v1/workspaces/${deleted.ws}`, deleted.secret),
      (s) => s === 401,
    );
    expect(await b.services.workspaces.bySlug('deleted')).toBeNull();
  });

  it('reveals a secret replaced on the other node', async () => {
    const { a, b } = nodes;
    const f = await fixture('secrets');
    const set = (value: string) => call(a, 'PUT', `/v1/workspaces/${f.ws}/secrets/API_KEY`, key(), { value });
    expect((await set('first')).status).toBe(200);
    const revealed = async () =>
      (await b.services.workspaces.revealSecrets(f.ws, ['API_KEY'])).get('API_KEY');
    expect(await revealed()).toBe('first'); // node B caches the sealed row
    expect((await set('second')).status).toBe(200);
    await within(revealed, (v) => v === 'second');
  });
});
