import type { RunningPlatform } from '@aerostack/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform } from '../../core/test/support/platform';
import { rejectionOf as failure } from '../../core/test/support/rejection';
import { type AdminClient, createAdminClient, createClient } from '../src';

let platform: RunningPlatform;
let admin: AdminClient;

beforeAll(async () => {
  platform = await startTestPlatform();
  admin = createAdminClient({ url: platform.url, accountKey: platform.accountKey });
});
afterAll(() => platform?.close());

async function allProjectIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const project of admin.projects.listAll({ pageSize: 1000 })) ids.push(project.id);
  return ids;
}

describe('account', () => {
  it('gets the account of the key', async () => {
    const account = await admin.account.get();
    expect(account.id).toMatch(/^acc_/);
    expect(Date.parse(account.createdAt)).not.toBeNaN();
  });

  it('rejects an unknown account key', async () => {
    const stranger = createAdminClient({ url: platform.url, accountKey: 'ak_unknownUnknownUnknown0000' });
    expect(await failure(stranger.account.get())).toMatchObject({
      code: 'auth/invalid-credentials',
      status: 401,
    });
  });

  it('rejects a secret key on the admin APIs', async () => {
    const wrong = createAdminClient({ url: platform.url, accountKey: platform.secretKey });
    expect(await failure(wrong.projects.list())).toMatchObject({
      code: 'auth/wrong-credential-type',
      status: 403,
    });
  });
});

describe('projects', () => {
  it('lists the default project', async () => {
    const page = await admin.projects.list();
    expect(page.data.map((p) => p.id)).toContain(platform.projectId);
    expect(page).toHaveProperty('nextCursor');
  });

  it('creates a project whose secret key works on the cache', async () => {
    const created = await admin.projects.create({ name: 'Quickstart' });
    expect(created.project).toMatchObject({ name: 'Quickstart', id: expect.stringMatching(/^prj_/) });
    expect(created.secretKey).toMatchObject({
      type: 'secret',
      projectId: created.project.id,
      revokedAt: null,
    });
    expect(created.secretKey.key).toMatch(/^sk_/);
    expect(created.publishableKey.key).toMatch(/^pk_/);

    const client = createClient({ url: platform.url, secretKey: created.secretKey.key });
    await client.cache.set('hello', 'world');
    expect((await client.cache.get('hello'))?.value).toBe('world');
    await expect(admin.projects.get(created.project.id)).resolves.toEqual(created.project);
  });

  it('replays a create with the same idempotency key instead of creating twice', async () => {
    const idempotencyKey = `test-${Date.now()}`;
    const first = await admin.projects.create({ name: 'Once' }, { idempotencyKey });
    const again = await admin.projects.create({ name: 'Once' }, { idempotencyKey });
    expect(again.project.id).toBe(first.project.id);
    expect((await allProjectIds()).filter((id) => id === first.project.id)).toHaveLength(1);
  });

  it('refuses an idempotency key reused with a different request', async () => {
    const idempotencyKey = `test-reuse-${Date.now()}`;
    await admin.projects.create({ name: 'First' }, { idempotencyKey });
    const error = await failure(admin.projects.create({ name: 'Second' }, { idempotencyKey }));
    expect(error).toMatchObject({ code: 'idempotency/key-reused', status: 422 });
  });

  it('creates exactly once when the response is lost and the transport retries', async () => {
    const sent: Request[] = [];
    const losesFirstResponse = async (request: Request) => {
      sent.push(request.clone());
      const response = await fetch(request);
      if (sent.length === 1) throw new TypeError('connection reset after the platform answered');
      return response;
    };
    const flaky = createAdminClient({
      url: platform.url,
      accountKey: platform.accountKey,
      fetch: losesFirstResponse,
    });
    const before = await allProjectIds();
    const created = await flaky.projects.create({ name: 'Lost response' });
    const after = await allProjectIds();
    expect(sent).toHaveLength(2);
    const keys = sent.map((r) => r.headers.get('Idempotency-Key'));
    expect(keys[0]).toMatch(/\S{16,}/);
    expect(keys[1]).toBe(keys[0]);
    expect(after).toHaveLength(before.length + 1);
    expect(after).toContain(created.project.id);
  });

  it('sends a fresh idempotency key per call', async () => {
    const a = await admin.projects.create({ name: 'Same name' });
    const b = await admin.projects.create({ name: 'Same name' });
    expect(a.project.id).not.toBe(b.project.id);
  });

  it('rejects an unknown project id with projects/not-found', async () => {
    const error = await failure(admin.projects.get('prj_0000000000000000'));
    expect(error).toMatchObject({ code: 'projects/not-found', status: 404 });
    expect(error.requestId).toMatch(/\S/);
  });

  it('renames a project', async () => {
    const { project } = await admin.projects.create({ name: 'Old name' });
    const renamed = await admin.projects.update(project.id, { name: 'New name' });
    expect(renamed).toEqual({ ...project, name: 'New name' });
    await expect(admin.projects.get(project.id)).resolves.toEqual(renamed);
    expect(await failure(admin.projects.update(project.id, { name: '' }))).toMatchObject({
      code: 'request/invalid-body',
      status: 400,
    });
    expect(await failure(admin.projects.update('prj_0000000000000000', { name: 'x' }))).toMatchObject({
      code: 'projects/not-found',
      status: 404,
    });
  });

  it('deletes a project: its keys stop working at once, a second delete is not found', async () => {
    const { project, secretKey } = await admin.projects.create({ name: 'Short-lived' });
    const client = createClient({ url: platform.url, secretKey: secretKey.key });
    await client.cache.set('kept', 'until deleted');
    await expect(admin.projects.delete(project.id)).resolves.toBeUndefined();
    expect(await failure(client.cache.get('kept'))).toMatchObject({
      code: 'auth/invalid-credentials',
      status: 401,
    });
    expect(await failure(admin.projects.get(project.id))).toMatchObject({ code: 'projects/not-found' });
    expect(await failure(admin.projects.delete(project.id))).toMatchObject({
      code: 'projects/not-found',
      status: 404,
    });
    expect(await allProjectIds()).not.toContain(project.id);
  });

  it('pages with limit and cursor, and listAll walks every page', async () => {
    for (const name of ['p1', 'p2', 'p3']) await admin.projects.create({ name });
    const firstPage = await admin.projects.list({ limit: 2 });
    expect(firstPage.data).toHaveLength(2);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    const secondPage = await admin.projects.list({ limit: 2, cursor: firstPage.nextCursor ?? undefined });
    expect(secondPage.data[0]?.id).not.toBe(firstPage.data[0]?.id);

    const walked: string[] = [];
    for await (const project of admin.projects.listAll({ pageSize: 2 })) walked.push(project.id);
    expect(walked).toEqual(await allProjectIds());
    expect(new Set(walked).size).toBe(walked.length);
    expect(walked.length).toBeGreaterThanOrEqual(4);
  });
});

describe('project keys', () => {
  it('lists the keys of a new project without their secrets', async () => {
    const { project } = await admin.projects.create({ name: 'Keys' });
    const page = await admin.projects.keys.list(project.id);
    expect(page.data.map((k) => k.type).sort()).toEqual(['publishable', 'secret']);
    for (const key of page.data) expect(key).not.toHaveProperty('key');
  });

  it('rotates a secret key: the old one stops working, the new one works', async () => {
    const { project, secretKey } = await admin.projects.create({ name: 'Rotation' });
    const rotated = await admin.projects.keys.rotate(project.id, { type: 'secret' });
    expect(rotated).toMatchObject({ type: 'secret', projectId: project.id, revokedAt: null });
    expect(rotated.key).toMatch(/^sk_/);
    expect(rotated.key).not.toBe(secretKey.key);

    const oldClient = createClient({ url: platform.url, secretKey: secretKey.key });
    expect(await failure(oldClient.cache.get('k'))).toMatchObject({ code: 'auth/invalid-credentials' });
    const newClient = createClient({ url: platform.url, secretKey: rotated.key });
    await expect(newClient.cache.get('k')).resolves.toBeNull();

    const keys: { id: string; revokedAt: string | null }[] = [];
    for await (const key of admin.projects.keys.listAll(project.id, { pageSize: 1 })) keys.push(key);
    expect(keys.find((k) => k.id === secretKey.id)?.revokedAt).toEqual(expect.any(String));
    expect(keys.find((k) => k.id === rotated.id)?.revokedAt).toBeNull();
  });

  it('rejects rotating the keys of an unknown project', async () => {
    const error = await failure(admin.projects.keys.rotate('prj_0000000000000000', { type: 'publishable' }));
    expect(error).toMatchObject({ code: 'projects/not-found', status: 404 });
  });
});
