import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import { defineModule } from '../module.js';
import { dropProject } from './drop.js';
import { parseMetadata } from './keys.js';
import { migrations } from './migrations.js';
import { createStorageService, type StorageObjectInfo, type StorageService } from './service.js';

declare module '../../services.js' {
  interface ModuleServices {
    storage: StorageService;
  }
}

/** A request body as Node chunks (the handler reads it at its own pace: backpressure reaches the socket). */
const chunksOf = (body: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> =>
  Readable.fromWeb(body as NodeReadableStream<Uint8Array>);

/**
 * Headers of every download. Objects are served from the platform's origin with the content type
 * their uploader chose, so an HTML or SVG object must not run as a page of that origin: no
 * sniffing, and a sandbox (an opaque origin without scripts) for anything a browser renders.
 */
const downloadHeaders = (info: StorageObjectInfo): Record<string, string> => ({
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
  ...(info.cacheControl ? { 'cache-control': info.cacheControl } : {}),
});

export default defineModule({
  name: 'storage',
  migrations,
  dropProject,
  create: (services) => createStorageService(services),
  handlers: defineHandlers({
    'storage.upload': async ({ principal, path, query, body, declaredBodyBytes, services }) => ({
      status: 200,
      body: await services.storage.upload(projectIdOf(principal), path.key, chunksOf(body), {
        contentType: query.contentType,
        cacheControl: query.cacheControl,
        metadata: parseMetadata(query.metadata),
        declaredBytes: declaredBodyBytes,
      }),
    }),

    'storage.download': async ({ principal, path, services }) => {
      const { info, bytes } = await services.storage.source(projectIdOf(principal), path.key);
      return { status: 200, bytes, headers: downloadHeaders(info) };
    },

    'storage.head': async ({ principal, path, services }) => ({
      status: 200,
      body: await services.storage.head(projectIdOf(principal), path.key),
    }),

    'storage.delete': async ({ principal, path, services }) => ({
      status: 200,
      body: { deleted: await services.storage.delete(projectIdOf(principal), path.key) },
    }),

    'storage.list': async ({ principal, query, services }) => ({
      status: 200,
      body: await services.storage.list(
        projectIdOf(principal),
        query.prefix ?? '',
        query.limit ?? 50,
        query.cursor,
      ),
    }),

    'storage.copy': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.storage.copy(projectIdOf(principal), body.sourceKey, body.destinationKey),
    }),

    'storage.move': async ({ principal, body, services }) => ({
      status: 200,
      body: await services.storage.move(projectIdOf(principal), body.sourceKey, body.destinationKey),
    }),

    'storage.createSignedUrl': async ({ principal, body, services }) => {
      const method = body.method ?? 'GET';
      const signed = await services.storage.signUrl({
        method,
        projectId: projectIdOf(principal),
        key: body.key,
        expiresInSeconds: body.expiresInSeconds ?? 3600,
        contentType: method === 'PUT' ? body.contentType : undefined,
        cacheControl: method === 'PUT' ? body.cacheControl : undefined,
      });
      return {
        status: 200,
        body: {
          url: `${services.config.publicUrl}${signed.path}`,
          path: signed.path,
          method,
          key: body.key,
          expiresAt: signed.expiresAt,
        },
      };
    },

    'storage.downloadSigned': async ({ path, query, services }) => {
      const { projectId, key } = path;
      await services.storage.verifyUrl(
        { method: 'GET', projectId, key, expires: query.expires },
        query.signature,
      );
      const { info, bytes } = await services.storage.source(projectId, key);
      return { status: 200, bytes, headers: downloadHeaders(info) };
    },

    'storage.uploadSigned': async ({ path, query, body, declaredBodyBytes, services }) => {
      const { projectId, key } = path;
      const { contentType, cacheControl } = query;
      await services.storage.verifyUrl(
        { method: 'PUT', projectId, key, expires: query.expires, contentType, cacheControl },
        query.signature,
      );
      return {
        status: 200,
        body: await services.storage.upload(projectId, key, chunksOf(body), {
          contentType,
          cacheControl,
          declaredBytes: declaredBodyBytes,
        }),
      };
    },
  }),
});
