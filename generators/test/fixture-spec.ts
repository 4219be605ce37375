// A small spec with the shapes the real one does not have yet, so the generators are
// exercised beyond it: inline objects and enums, maps, arrays of nullable times, reserved
// words, integer path parameters, a deep namespace, a non-object body, responses without
// content (204, and a 200 that declares none), a merge-patch+json body.
import type { OpenApiDocument } from '../src/spec.js';

const json = (ref: string) => ({
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});

export const fixtureSpec: OpenApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Fixture', version: '9.9.9' },
  tags: [{ name: 'widgets', description: 'Widgets.' }],
  security: [{ secretKey: [] }],
  paths: {
    '/ping': {
      get: {
        operationId: 'system.ping',
        tags: ['system'],
        security: [],
        responses: { '204': { description: 'Up.' } },
      },
    },
    '/v1/widgets': {
      get: {
        operationId: 'widgets.list',
        tags: ['widgets'],
        summary: 'List widgets',
        parameters: [
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
          { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'archived', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'A page.', ...json('WidgetList') } },
      },
      post: {
        operationId: 'widgets.create',
        tags: ['widgets'],
        summary: 'Create a widget',
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } }],
        requestBody: { required: true, ...json('WidgetCreate') },
        responses: { '201': { description: 'Created.', ...json('Widget') } },
      },
    },
    '/v1/widgets/{widgetNumber}': {
      parameters: [{ name: 'widgetNumber', in: 'path', required: true, schema: { type: 'integer' } }],
      delete: {
        operationId: 'widgets.delete',
        tags: ['widgets'],
        summary: 'Delete a widget',
        responses: { '204': { description: 'Gone.' } },
      },
      patch: {
        operationId: 'widgets.update',
        tags: ['widgets'],
        summary: 'Rename a widget',
        requestBody: {
          required: true,
          content: {
            'application/merge-patch+json': {
              schema: { type: 'object', properties: { name: { type: 'string' } } },
            },
          },
        },
        responses: { '200': { description: 'Renamed; the answer has no content.' } },
      },
      put: {
        operationId: 'widgets.parts.replace',
        tags: ['widgets'],
        summary: 'Replace the parts of a widget',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Part' } } },
          },
        },
        responses: {
          '200': {
            description: 'The parts.',
            content: {
              'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Part' } } },
            },
          },
        },
      },
    },
    '/v1/widgets/{widgetNumber}/parts/{partId}/paint': {
      post: {
        operationId: 'widgets.parts.colors.paint',
        tags: ['widgets'],
        summary: 'Paint a part',
        parameters: [
          { name: 'widgetNumber', in: 'path', required: true, schema: { type: 'integer' } },
          { name: 'partId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'dryRun', in: 'query', required: true, schema: { type: 'boolean' } },
        ],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['color'],
                properties: {
                  color: { type: 'string', enum: ['red', 'dark-blue', '3d'] },
                  class: { type: 'string' },
                  coats: { type: ['integer', 'null'] },
                },
              },
            },
          },
        },
        responses: { '200': { description: 'Painted.', ...json('Part') } },
      },
    },
  },
  components: {
    securitySchemes: { secretKey: { type: 'http', scheme: 'bearer' } },
    schemas: {
      Timestamp: { type: 'string', format: 'date-time' },
      JsonValue: { type: ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] },
      Widget: {
        type: 'object',
        description: 'A widget.',
        required: ['id', 'name', 'createdAt', 'tags', 'parts', 'meta', 'checkedAt', 'default'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string', description: 'Its name.' },
          createdAt: { $ref: '#/components/schemas/Timestamp' },
          updatedAt: { oneOf: [{ $ref: '#/components/schemas/Timestamp' }, { type: 'null' }] },
          tags: { type: 'array', items: { type: 'string' } },
          parts: { type: 'object', additionalProperties: { $ref: '#/components/schemas/Part' } },
          meta: { $ref: '#/components/schemas/JsonValue' },
          checkedAt: {
            type: 'array',
            items: { oneOf: [{ $ref: '#/components/schemas/Timestamp' }, { type: 'null' }] },
          },
          default: { type: 'boolean' },
          weight: { type: 'number' },
          owner: {
            type: 'object',
            required: ['email'],
            properties: { email: { type: 'string' }, since: { $ref: '#/components/schemas/Timestamp' } },
          },
          legacy: { type: 'string', deprecated: true },
        },
      },
      WidgetCreate: {
        type: 'object',
        required: ['name'],
        properties: {
          name: { type: 'string' },
          tags: { type: 'array', items: { type: 'string' } },
          releasedAt: { $ref: '#/components/schemas/Timestamp' },
        },
      },
      WidgetList: {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: { type: 'array', items: { $ref: '#/components/schemas/Widget' } },
          nextCursor: { type: ['string', 'null'] },
        },
      },
      Part: {
        type: 'object',
        required: ['id', 'kind'],
        properties: {
          id: { type: 'string' },
          kind: { type: 'string', enum: ['bolt', 'gear'] },
          children: { type: 'array', items: { $ref: '#/components/schemas/Part' } },
        },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'code', 'requestId'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          code: { type: 'string' },
          requestId: { type: 'string' },
          errors: { type: 'array', items: { $ref: '#/components/schemas/FieldProblem' } },
        },
      },
      FieldProblem: {
        type: 'object',
        required: ['location', 'message'],
        properties: { location: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
  'x-aerostack-error-codes': {
    'widgets/not-found': { status: 404, title: 'Widget not found' },
  },
};
