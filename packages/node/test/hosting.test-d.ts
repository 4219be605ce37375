import { describe, expectTypeOf, it } from 'vitest';
import {
  type CatalogEntry,
  createAdminClient,
  type Deployment,
  type DeploymentCreate,
  type HostedWorker,
  type Page,
  type SecretInfo,
} from '../src';

const admin = createAdminClient({ url: 'http://localhost:8787', accountKey: 'ak_x' });

describe('admin.hosting types', () => {
  it('types deploys, workers, deployments and secrets', () => {
    const input: DeploymentCreate = {
      aerostackToml: 'name = "x"',
      modules: [{ name: 'index.js', content: '' }],
    };
    expectTypeOf(admin.hosting.deploy('prj_x', input, { idempotencyKey: 'k' })).toEqualTypeOf<
      Promise<Deployment>
    >();
    expectTypeOf(admin.hosting.workers.list('prj_x')).toEqualTypeOf<Promise<Page<HostedWorker>>>();
    expectTypeOf(admin.hosting.workers.listAll('prj_x')).toEqualTypeOf<AsyncGenerator<HostedWorker>>();
    expectTypeOf(admin.hosting.workers.delete('prj_x', 'w')).toEqualTypeOf<Promise<void>>();
    expectTypeOf(admin.hosting.deployments.rollback('prj_x', 'w', 'dep_x')).toEqualTypeOf<
      Promise<Deployment>
    >();
    expectTypeOf(admin.hosting.secrets.set('prj_x', 'TOKEN', 'v')).toEqualTypeOf<Promise<SecretInfo>>();
    expectTypeOf<Deployment['kind']>().toEqualTypeOf<'function' | 'mcp-server' | 'skill'>();
    expectTypeOf<Deployment['warnings'][number]>().toEqualTypeOf<{ location: string; message: string }>();
  });

  it('types the catalogue of hosted MCP servers', () => {
    expectTypeOf(admin.hosting.catalog.list('prj_x')).toEqualTypeOf<Promise<Page<CatalogEntry>>>();
    expectTypeOf(admin.hosting.catalog.listAll('prj_x')).toEqualTypeOf<AsyncGenerator<CatalogEntry>>();
    expectTypeOf(admin.hosting.catalog.get('prj_x', 'tickets')).toEqualTypeOf<Promise<CatalogEntry>>();
    expectTypeOf<CatalogEntry['manifestSource']>().toEqualTypeOf<'ai' | 'heuristic'>();
    expectTypeOf<CatalogEntry['refresh']['status']>().toEqualTypeOf<'ok' | 'failing' | 'paused'>();
    expectTypeOf<CatalogEntry['manifest']['capabilities']>().toEqualTypeOf<string[]>();
  });

  it('refuses what the API does not take', () => {
    // @ts-expect-error: modules are required
    admin.hosting.deploy('prj_x', { aerostackToml: '' });
    // @ts-expect-error: a secret's value is a string
    admin.hosting.secrets.set('prj_x', 'TOKEN', 42);
  });
});
