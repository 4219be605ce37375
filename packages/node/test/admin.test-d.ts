import { describe, expectTypeOf, it } from 'vitest';
import {
  type AerostackClient,
  type ApiKey,
  type ApiKeyWithSecret,
  createAdminClient,
  createClient,
  type NodeClient,
  type Page,
  type Project,
  type ProjectWithKeys,
} from '../src';

const admin = createAdminClient({ url: 'http://localhost:8787', accountKey: 'ak_x' });

describe('admin client types', () => {
  it('types the projects API', () => {
    expectTypeOf(admin.projects.list({ limit: 10 })).toEqualTypeOf<Promise<Page<Project>>>();
    expectTypeOf(admin.projects.listAll()).toEqualTypeOf<AsyncGenerator<Project>>();
    expectTypeOf(admin.projects.create({ name: 'x' }, { idempotencyKey: 'k' })).toEqualTypeOf<
      Promise<ProjectWithKeys>
    >();
    expectTypeOf(admin.projects.update('prj_x', { name: 'y' })).toEqualTypeOf<Promise<Project>>();
    expectTypeOf(admin.projects.delete('prj_x')).toEqualTypeOf<Promise<void>>();
    expectTypeOf(admin.projects.keys.list('prj_x')).toEqualTypeOf<Promise<Page<ApiKey>>>();
    expectTypeOf(admin.projects.keys.rotate('prj_x', { type: 'secret' })).toEqualTypeOf<
      Promise<ApiKeyWithSecret>
    >();
  });

  it('rejects bad input', () => {
    // @ts-expect-error the key type is secret or publishable
    admin.projects.keys.rotate('prj_x', { type: 'admin' });
    // @ts-expect-error a project needs a name
    admin.projects.create({});
    // @ts-expect-error a project has no other field to change
    admin.projects.update('prj_x', { slug: 'x' });
    // @ts-expect-error the admin client authenticates with its account key only
    createAdminClient({ credential: () => 'ak_x' });
  });

  it('makes every createClient option optional', () => {
    expectTypeOf(createClient()).toEqualTypeOf<NodeClient>();
    expectTypeOf(createClient({ credential: async () => 'tok' })).toEqualTypeOf<NodeClient>();
    // Everything of the core client, plus auth.admin.
    expectTypeOf(createClient()).toMatchTypeOf<Omit<AerostackClient, 'auth'>>();
    expectTypeOf(createClient().auth).toMatchTypeOf<AerostackClient['auth']>();
    expectTypeOf(createClient().auth.admin.users.get).returns.resolves.toHaveProperty('disabled');
  });
});
