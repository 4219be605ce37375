import { describe, expectTypeOf, it } from 'vitest';
import { createAdminClient, type Deployment } from '../src';

const admin = createAdminClient({ url: 'http://localhost:8787', accountKey: 'ak_x' });

describe('admin.hosting.deploy(projectId, dir) types', () => {
  it('takes a directory and the options of a create', () => {
    expectTypeOf(admin.hosting.deploy('prj_x', './my-worker')).toEqualTypeOf<Promise<Deployment>>();
    expectTypeOf(admin.hosting.deploy('prj_x', './my-worker', { idempotencyKey: 'k' })).toEqualTypeOf<
      Promise<Deployment>
    >();
  });

  it('refuses what is neither a directory nor an upload', () => {
    // @ts-expect-error: a directory is a path string
    admin.hosting.deploy('prj_x', new URL('file:///tmp/my-worker'));
  });
});
