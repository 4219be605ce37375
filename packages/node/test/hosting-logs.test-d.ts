import { describe, expectTypeOf, it } from 'vitest';
import {
  createAdminClient,
  type EventStreamState,
  type InvocationLog,
  type LogTail,
  type Page,
} from '../src';

const admin = createAdminClient({ url: 'http://localhost:8787', accountKey: 'ak_x' });

describe('admin.hosting.logs types', () => {
  it('types the list, its pages and one deployment', () => {
    expectTypeOf(admin.hosting.logs.list('prj_x', 'hello')).toEqualTypeOf<Promise<Page<InvocationLog>>>();
    expectTypeOf(
      admin.hosting.logs.list('prj_x', 'hello', { limit: 10, cursor: 'c', deploymentId: 'dep_x' }),
    ).toEqualTypeOf<Promise<Page<InvocationLog>>>();
    expectTypeOf(admin.hosting.logs.listAll('prj_x', 'hello', { pageSize: 100 })).toEqualTypeOf<
      AsyncGenerator<InvocationLog>
    >();
    expectTypeOf<InvocationLog['outcome']>().toEqualTypeOf<
      'ok' | 'exception' | 'cpu-limit' | 'memory-limit' | 'wall-limit' | 'crashed' | 'interrupted'
    >();
    expectTypeOf<InvocationLog['lines'][number]['level']>().toEqualTypeOf<
      'debug' | 'info' | 'log' | 'warn' | 'error'
    >();
  });

  it('types the tail as an async iterable of logs that can be closed', async () => {
    const tail = admin.hosting.logs.tail('prj_x', 'hello', { signal: AbortSignal.timeout(1000) });
    expectTypeOf(tail).toEqualTypeOf<LogTail>();
    expectTypeOf(tail.state).toEqualTypeOf<EventStreamState>();
    expectTypeOf(tail.close).toEqualTypeOf<() => void>();
    for await (const log of tail) expectTypeOf(log).toEqualTypeOf<InvocationLog>();
  });

  it('refuses what the API does not take', () => {
    // @ts-expect-error: a worker is named
    admin.hosting.logs.list('prj_x');
    // @ts-expect-error: the tail replays nothing, so it takes no Last-Event-ID to resume from
    admin.hosting.logs.tail('prj_x', 'hello', { lastEventId: '1' });
    // @ts-expect-error: a page's size is a number
    admin.hosting.logs.listAll('prj_x', 'hello', { pageSize: '100' });
  });
});
