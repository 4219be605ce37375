import { describe, expectTypeOf, it } from 'vitest';
import {
  type ClientOptions,
  type CredentialProvider,
  createClient,
  type EventStream,
  type EventStreamState,
  type HttpRequestInit,
  type JsonValue,
  openEventStream,
  type RequestBody,
  type StreamEvent,
} from '../src';

const client = createClient({ url: 'http://localhost:8787', secretKey: 'sk_x' });

describe('credential provider types', () => {
  it('accepts sync and async providers that may return undefined', () => {
    createClient({ url: 'x', credential: () => 'tok' });
    createClient({ url: 'x', credential: async () => 'tok' });
    createClient({ url: 'x', credential: () => undefined });
    createClient({ url: 'x', credential: async () => (Math.random() > 0.5 ? 'tok' : undefined) });
    expectTypeOf<CredentialProvider>().returns.toEqualTypeOf<
      string | undefined | Promise<string | undefined>
    >();
    expectTypeOf<ClientOptions['credential']>().toEqualTypeOf<CredentialProvider | undefined>();
  });

  it('rejects a provider of anything else, and a bare string', () => {
    // @ts-expect-error a credential is a string
    createClient({ url: 'x', credential: () => 42 });
    // @ts-expect-error an async credential is a string too
    createClient({ url: 'x', credential: async () => ({ token: 'x' }) });
    // @ts-expect-error strings go to secretKey / publishableKey / accountKey, which say what they are
    createClient({ url: 'x', credential: 'sk_x' });
    // @ts-expect-error the provider takes no arguments
    createClient({ url: 'x', credential: (scope: string) => scope });
  });
});

describe('http.request types', () => {
  it('takes any fetch body and resolves with the Response', () => {
    const stream = new ReadableStream<Uint8Array>();
    expectTypeOf(client.http.request('/x', { method: 'PUT', body: stream })).toEqualTypeOf<
      Promise<Response>
    >();
    client.http.request('/x', { method: 'PUT', body: new Uint8Array(3), timeoutMs: 1_000, maxRetries: 0 });
    client.http.request('/x', {
      body: new Blob(['a']),
      headers: new Headers(),
      signal: AbortSignal.timeout(1),
    });
    client.http.request('/x', {
      body: new ArrayBuffer(1),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expectTypeOf<HttpRequestInit['body']>().toEqualTypeOf<RequestBody | null | undefined>();
    // Node's Buffer and a Uint8Array over any buffer are bytes too.
    client.http.request('/x', { method: 'PUT', body: Buffer.from('a') });
    const bytes: Uint8Array<ArrayBufferLike> = new Uint8Array(1);
    client.http.request('/x', { method: 'PUT', body: bytes });
  });

  it('wants a path on the platform', () => {
    // @ts-expect-error a path, not a URL: the credential only goes to the platform
    client.http.request('https://elsewhere.test/x');
    // @ts-expect-error a body is bytes or text, not a JSON object
    client.http.request('/x', { method: 'PUT', body: { a: 1 } });
  });
});

describe('event stream types', () => {
  type Events = { tick: { n: number }; done: null };

  it('makes a discriminated union of the event map', () => {
    expectTypeOf<StreamEvent<Events>>().toEqualTypeOf<
      | { id: string | undefined; event: 'tick'; data: { n: number } }
      | { id: string | undefined; event: 'done'; data: null }
    >();
    const stream = openEventStream<Events>(client, '/v1/x');
    expectTypeOf(stream).toEqualTypeOf<EventStream<Events>>();
    expectTypeOf(stream.state).toEqualTypeOf<EventStreamState>();
    expectTypeOf(stream.lastEventId).toEqualTypeOf<string | undefined>();
  });

  it('narrows data by event name', async () => {
    for await (const event of openEventStream<Events>(client, '/v1/x')) {
      if (event.event === 'tick') expectTypeOf(event.data).toEqualTypeOf<{ n: number }>();
      else expectTypeOf(event.data).toEqualTypeOf<null>();
    }
  });

  it('accepts an interface as the map and defaults to JSON values', async () => {
    interface Chat {
      message: { text: string };
    }
    for await (const event of openEventStream<Chat>(client, '/v1/x')) {
      expectTypeOf(event.data.text).toEqualTypeOf<string>();
    }
    for await (const event of openEventStream(client, '/v1/x')) {
      expectTypeOf(event.event).toEqualTypeOf<string>();
      expectTypeOf(event.data).toEqualTypeOf<JsonValue>();
    }
  });

  it('rejects unknown options and a relative path without a slash', () => {
    // @ts-expect-error maxReconnects is a number
    openEventStream(client, '/v1/x', { maxReconnects: 'forever' });
    // @ts-expect-error a path starts with a slash
    openEventStream(client, 'v1/x');
    // @ts-expect-error the state callback gets a state
    openEventStream(client, '/v1/x', { onStateChange: (state: number) => state });
  });
});
