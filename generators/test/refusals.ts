// One small spec per construct the generators refuse, and per construct they handle although it
// looks close to a refused one. Each row is an operation `things.poke` (POST /v1/things/{thingId})
// changed by `patch`; `expected` are the parts the error message must contain.
import type { Language } from '../src/generate.js';
import type { OpenApiDocument, OperationObject, Parameter, Schema } from '../src/spec.js';

const thingId: Parameter = { name: 'thingId', in: 'path', required: true, schema: { type: 'string' } };
const thing = { $ref: '#/components/schemas/Thing' };
const other = { $ref: '#/components/schemas/Other' };
const kind = { propertyName: 'kind' };
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const ok = (schema?: Schema, mediaType = 'application/json') => ({
  '200': { description: 'ok', ...(schema ? { content: { [mediaType]: { schema } } } : {}) },
});
const bytes = (mediaType: string) => ({
  content: { [mediaType]: { schema: { type: 'string', format: 'binary' } as Schema } },
});
const events = () => ({
  '200': {
    description: 'events',
    content: {
      'text/event-stream': {
        'x-aerostack-events': { tick: thing, tock: { $ref: '#/components/schemas/Other' } },
      },
    },
  },
});
const param = (p: Omit<Parameter, 'name'>): Parameter[] => [thingId, { name: 'q', ...p }];

export const OPERATION = 'things.poke (POST /v1/things/{thingId})';

/** The spec with `patch` applied to the one operation, or to the whole document. */
export function specWith(
  patch: Partial<OperationObject>,
  doc: Partial<OpenApiDocument> = {},
): OpenApiDocument {
  const operation: OperationObject = {
    operationId: 'things.poke',
    tags: ['things'],
    parameters: [thingId],
    responses: { '204': { description: 'Poked.' } },
    ...patch,
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Refusals', version: '0.0.0' },
    security: [{ bearer: [] }],
    paths: { '/v1/things/{thingId}': { post: operation } },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Thing: { type: 'object', properties: { name: { type: 'string' } } },
        Other: { type: 'object', properties: { size: { type: 'integer' } } },
      },
    },
    ...doc,
  };
}

export interface Refusal {
  name: string;
  spec: OpenApiDocument;
  /** Where and what: every string must appear in the message. */
  expected: string[];
  /** The languages that refuse it; the others must generate. Default: every language. */
  languages?: Language[];
}

const body = (content: Record<string, object>) => ({ requestBody: { required: true, content } });
const inBody = (schema: Schema) => body({ 'application/json': { schema } });

export const REFUSALS: Refusal[] = [
  // Media types: JSON, bytes or a multipart form in; JSON, nothing, an event stream or bytes out.
  {
    name: 'a multipart/mixed request body',
    spec: specWith(body({ 'multipart/mixed': { schema: thing } })),
    expected: [OPERATION, 'request body', 'media type multipart/mixed'],
  },
  {
    name: 'a form-urlencoded request body with an object schema',
    spec: specWith(body({ 'application/x-www-form-urlencoded': { schema: thing } })),
    expected: [
      OPERATION,
      'request body',
      'media type application/x-www-form-urlencoded with a schema of type',
    ],
  },
  {
    name: 'a multipart request body that is not an object',
    spec: specWith(body({ 'multipart/form-data': { schema: { type: 'string' } } })),
    expected: [OPERATION, 'request body', 'a multipart body whose schema is not an object with properties'],
  },
  {
    name: 'a multipart request body with an encoding object',
    spec: specWith(
      body({ 'multipart/form-data': { schema: thing, encoding: { name: { contentType: 'text/plain' } } } }),
    ),
    expected: [OPERATION, 'request body', 'a multipart body with an encoding object'],
  },
  {
    name: 'a multipart part that is an object',
    spec: specWith(
      body({
        'multipart/form-data': {
          schema: { type: 'object', properties: { meta: thing, file: { type: 'string', format: 'binary' } } },
        },
      }),
    ),
    expected: [OPERATION, 'request body: property meta', 'a multipart part of kind object'],
  },
  {
    name: 'an event stream as a request body',
    spec: specWith(body({ 'text/event-stream': { schema: { type: 'string' } } })),
    expected: [OPERATION, 'request body', 'an event stream as a request body'],
  },
  {
    name: 'a request body with several media types',
    spec: specWith(body({ 'application/json': { schema: thing }, 'multipart/form-data': { schema: thing } })),
    expected: [
      OPERATION,
      'request body',
      'a request body with several media types (application/json, multipart/form-data)',
    ],
  },
  {
    name: 'a request body without content',
    spec: specWith({ requestBody: { content: {} } }),
    expected: [OPERATION, 'request body', 'a request body without content'],
  },
  {
    name: 'an event stream without x-aerostack-events',
    spec: specWith({ responses: ok({ type: 'string' }, 'text/event-stream') }),
    expected: [OPERATION, 'response 200', 'media type text/event-stream without x-aerostack-events'],
  },
  {
    name: 'an event stream beside JSON in one response',
    spec: specWith({
      responses: {
        '200': {
          description: 'ok',
          content: { 'text/event-stream': { 'x-aerostack-events': { tick: thing } }, ...json(thing).content },
        },
      },
    }),
    expected: [OPERATION, 'response 200', 'an event stream beside other media types'],
  },
  {
    name: 'JSON on one 2xx and bytes on another',
    spec: specWith({
      responses: { ...ok(thing), '201': { description: 'made', ...bytes('application/octet-stream') } },
    }),
    expected: [OPERATION, 'responses', 'a mix of 2xx responses of different kinds (200: JSON, 201: bytes)'],
  },
  {
    name: 'an event stream on one 2xx and JSON on another',
    spec: specWith({ responses: { ...events(), '201': { description: 'made', ...json(thing) } } }),
    expected: [OPERATION, 'responses', 'a mix of 2xx responses of different kinds (200: events, 201: JSON)'],
  },
  {
    name: 'two event streams',
    spec: specWith({
      responses: {
        ...events(),
        '202': {
          description: 'later',
          content: { 'text/event-stream': { 'x-aerostack-events': { tick: thing } } },
        },
      },
    }),
    expected: [OPERATION, 'responses', 'several event streams (200, 202)'],
  },
  {
    name: 'bytes under a 2XX range',
    spec: specWith({ responses: { '2XX': { description: 'ok', ...bytes('application/octet-stream') } } }),
    expected: [OPERATION, 'responses', 'a 2XX range status beside bytes'],
  },
  {
    name: 'a success response offering JSON and CSV',
    spec: specWith({
      responses: {
        '200': { description: 'ok', content: { 'application/json': { schema: thing }, 'text/csv': {} } },
      },
    }),
    expected: [OPERATION, 'response 200', 'media type text/csv'],
  },
  {
    name: '2xx responses with different JSON schemas',
    spec: specWith({
      responses: {
        ...ok(thing),
        '201': { description: 'made', ...json({ $ref: '#/components/schemas/Other' }) },
      },
    }),
    expected: [OPERATION, 'responses', 'a different JSON schema per 2xx response (200, 201)'],
  },
  {
    name: '2xx responses with and without content',
    spec: specWith({ responses: { ...ok(thing), '204': { description: 'nothing' } } }),
    expected: [
      OPERATION,
      'responses',
      'a mix of 2xx responses with and without content (200: JSON, 204: none)',
    ],
  },
  {
    name: 'an operation without a 2xx response',
    spec: specWith({ responses: { default: { description: 'whatever' } } }),
    expected: [OPERATION, 'an operation without a 2xx response'],
  },
  // Parameters: scalar values in the location's default style.
  {
    name: 'a cookie parameter',
    spec: specWith({ parameters: param({ in: 'cookie', schema: { type: 'string' } }) }),
    expected: [OPERATION, 'cookie parameter q', 'a cookie parameter'],
  },
  {
    name: 'a parameter with content',
    spec: specWith({
      parameters: param({ in: 'query', content: { 'application/json': { schema: thing } } }),
    }),
    expected: [OPERATION, 'query parameter q', 'a parameter with content instead of schema'],
  },
  {
    name: 'a query parameter in deepObject style',
    spec: specWith({ parameters: param({ in: 'query', style: 'deepObject', schema: thing }) }),
    expected: [OPERATION, 'query parameter q', 'style deepObject'],
  },
  {
    name: 'a path parameter in label style',
    spec: specWith({ parameters: [{ ...thingId, style: 'label' }] }),
    expected: [OPERATION, 'path parameter thingId', 'style label'],
  },
  {
    name: 'a query parameter with allowReserved',
    spec: specWith({ parameters: param({ in: 'query', allowReserved: true, schema: { type: 'string' } }) }),
    expected: [OPERATION, 'query parameter q', 'allowReserved'],
  },
  {
    name: 'an array query parameter with explode: false',
    spec: specWith({
      parameters: param({
        in: 'query',
        explode: false,
        schema: { type: 'array', items: { type: 'string' } },
      }),
    }),
    expected: [OPERATION, 'query parameter q', 'an array value with explode: false'],
  },
  {
    name: 'an array query parameter of objects',
    spec: specWith({ parameters: param({ in: 'query', schema: { type: 'array', items: thing } }) }),
    expected: [OPERATION, 'query parameter q', 'an array of object values'],
  },
  {
    name: 'an array header parameter',
    spec: specWith({
      parameters: param({ in: 'header', schema: { type: 'array', items: { type: 'string' } } }),
    }),
    expected: [OPERATION, 'header parameter q', 'an array value'],
  },
  {
    name: 'an object query parameter',
    spec: specWith({ parameters: param({ in: 'query', schema: thing }) }),
    expected: [OPERATION, 'query parameter q', 'an object value'],
  },
  {
    name: 'a nullable header parameter',
    spec: specWith({ parameters: param({ in: 'header', schema: { type: ['string', 'null'] } }) }),
    expected: [OPERATION, 'header parameter q', 'a null value'],
  },
  // Schemas: shapes the types cannot carry.
  ...(
    [
      ['allOf of 2 schemas', { allOf: [thing, { $ref: '#/components/schemas/Other' }] }],
      ['oneOf of 2 schemas, not all objects', { oneOf: [thing, { type: 'string' }, { type: 'null' }] }],
      ['anyOf of 2 schemas, not all objects', { anyOf: [thing, { type: 'integer' }], discriminator: kind }],
      ['anyOf of 2 schemas without a discriminator (write oneOf)', { anyOf: [thing, other] }],
      [
        'a discriminator mapping of x to Nope, which is not a variant',
        { oneOf: [thing, other], discriminator: { ...kind, mapping: { x: '#/components/schemas/Nope' } } },
      ],
      [
        'an inline variant without a value for the discriminator kind',
        { oneOf: [thing, { type: 'object', properties: { kind: { type: 'string' } } }], discriminator: kind },
      ],
      [
        'a discriminator without a oneOf or anyOf of several schemas',
        { type: 'object', properties: { kind: { type: 'string' } }, discriminator: kind },
      ],
      [
        'two variants for the discriminator value a',
        {
          oneOf: [
            { type: 'object', properties: { kind: { const: 'a' } } },
            { type: 'object', properties: { kind: { enum: ['a'] } } },
          ],
          discriminator: kind,
        },
      ],
      ['not', { type: 'object', not: { required: ['x'] } }],
      ['patternProperties', { type: 'object', patternProperties: { '^x-': { type: 'string' } } }],
      ['if/then/else', { type: 'object', if: { required: ['a'] }, else: { required: ['b'] } }],
      ['prefixItems (a tuple)', { type: 'array', prefixItems: [{ type: 'string' }] }],
      ['items as a list (a tuple)', { type: 'array', items: [{ type: 'string' }] }],
      ['nullable (OpenAPI 3.0', { type: 'string', nullable: true }],
      ['$ref beside properties', { ...thing, properties: { extra: { type: 'string' } } }],
      [
        'oneOf beside properties',
        { oneOf: [thing, { type: 'null' }], properties: { a: { type: 'string' } } },
      ],
      [
        'properties beside an additionalProperties schema',
        {
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'integer' },
        },
      ],
      ['an enum mixing strings and other values', { enum: ['a', 1] }],
      [
        'a type list of several types beside properties',
        {
          type: ['object', 'string'],
          properties: { a: { type: 'string' } },
        },
      ],
      ['unevaluatedProperties as a schema', { type: 'object', unevaluatedProperties: { type: 'string' } }],
    ] as [string, Schema][]
  ).map(([construct, schema]) => ({
    name: `${construct} in a request body`,
    spec: specWith(inBody(schema)),
    expected: [OPERATION, 'request body', construct],
  })),
  {
    name: 'readOnly on a property of a response',
    spec: specWith({
      responses: ok({ type: 'object', properties: { id: { type: 'string', readOnly: true } } }),
    }),
    expected: [OPERATION, 'response 200: property id: readOnly'],
  },
  {
    name: 'a refused construct deep in a component schema',
    spec: specWith(
      { responses: ok({ type: 'array', items: { $ref: '#/components/schemas/Box' } }) },
      {
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
          schemas: {
            Box: {
              type: 'object',
              properties: {
                parts: { type: 'array', items: { type: 'object', properties: { x: { not: {} } as Schema } } },
              },
            },
          },
        },
      },
    ),
    expected: [`${OPERATION}: response 200: schema Box, property parts[].x: not is not supported`],
  },
  // Operations and paths.
  {
    name: 'a servers override on an operation',
    spec: specWith({ servers: [{ url: 'https://elsewhere.example' }] }),
    expected: [OPERATION, 'a servers override on an operation'],
  },
  {
    name: 'a security scheme other than bearer',
    spec: specWith(
      { security: [{ key: [] }] },
      { components: { securitySchemes: { key: { type: 'apiKey' } } } },
    ),
    expected: [OPERATION, 'security', 'the security scheme key (apiKey'],
  },
  {
    name: 'a trace operation',
    spec: specWith({}, { paths: { '/v1/echo': { trace: { operationId: 'echo.trace' } } as object } }),
    expected: ['/v1/echo', 'the path item key trace'],
  },
  {
    name: 'a path item $ref',
    spec: specWith({}, { paths: { '/v1/elsewhere': { $ref: '#/components/pathItems/Elsewhere' } } }),
    expected: ['/v1/elsewhere', 'a path item $ref'],
  },
  // A renderer's own limit: Python passes header values to httpx as they are.
  {
    name: 'an integer header parameter',
    spec: specWith({ parameters: param({ in: 'header', schema: { type: 'integer' } }) }),
    expected: [OPERATION, 'header parameter q', 'a header of type integer in the Python client'],
    languages: ['python'],
  },
];

/** Constructs close to refused ones that every language handles. */
export const HANDLED: { name: string; spec: OpenApiDocument }[] = [
  {
    name: 'a 2XX range response',
    spec: specWith({ responses: { '2XX': { description: 'ok', ...json(thing) } } }),
  },
  {
    name: 'a JSON body with a charset',
    spec: specWith(body({ 'application/json; charset=utf-8': { schema: thing } })),
  },
  {
    name: 'a merge-patch+json body',
    spec: specWith(body({ 'application/merge-patch+json': { schema: thing } })),
  },
  { name: 'a JSON body without a schema (any JSON)', spec: specWith(body({ 'application/json': {} })) },
  {
    name: 'a +json success response',
    spec: specWith({
      responses: { '200': { description: 'ok', content: { 'application/hal+json': { schema: thing } } } },
    }),
  },
  {
    name: '2xx responses with the same schema',
    spec: specWith({ responses: { ...ok(thing), '201': { description: 'made', ...json(thing) } } }),
  },
  {
    name: '2xx responses all without content',
    spec: specWith({ responses: { '200': { description: 'ok' }, '204': { description: 'ok' } } }),
  },
  {
    name: 'allOf of one $ref, described',
    spec: specWith(inBody({ allOf: [thing], description: 'A thing.' })),
  },
  {
    name: 'oneOf of a $ref and null',
    spec: specWith({ responses: ok({ oneOf: [thing, { type: 'null' }] }) }),
  },
  {
    name: 'a type list (any JSON value)',
    spec: specWith(inBody({ type: ['object', 'array', 'string', 'null'] })),
  },
  { name: 'an integer enum (validation only)', spec: specWith(inBody({ type: 'integer', enum: [1, 2] })) },
  {
    name: 'explode on a scalar query parameter',
    spec: specWith({
      parameters: param({ in: 'query', explode: false, style: 'form', schema: { type: 'string' } }),
    }),
  },
  {
    name: 'a string enum header',
    spec: specWith({ parameters: param({ in: 'header', schema: { type: 'string', enum: ['a', 'b'] } }) }),
  },
  // Bytes, forms, streams, unions (generators issue #9): handled by every language.
  {
    name: 'an application/octet-stream request body',
    spec: specWith(body({ 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } })),
  },
  {
    name: 'a text/plain request body',
    spec: specWith(body({ 'text/plain': { schema: { type: 'string' } } })),
  },
  {
    name: 'a multipart/form-data request body with a file',
    spec: specWith(
      body({
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { title: { type: 'string' }, file: { type: 'string', format: 'binary' } },
          },
        },
      }),
    ),
  },
  { name: 'an event stream with x-aerostack-events', spec: specWith({ responses: events() }) },
  {
    name: 'an event stream and a 204',
    spec: specWith({ responses: { ...events(), '204': { description: 'nothing new' } } }),
  },
  {
    name: 'an application/octet-stream success response',
    spec: specWith({ responses: { '200': { description: 'ok', ...bytes('application/octet-stream') } } }),
  },
  {
    name: 'a range download (200, 206, 304)',
    spec: specWith({
      responses: {
        '200': { description: 'all', ...bytes('application/octet-stream') },
        '206': { description: 'part', ...bytes('application/octet-stream') },
        '304': { description: 'not modified' },
      },
    }),
  },
  {
    name: 'an array query parameter (repeated)',
    spec: specWith({
      parameters: param({ in: 'query', schema: { type: 'array', items: { type: 'string' } } }),
    }),
  },
  {
    name: 'a oneOf of objects without a discriminator',
    spec: specWith({ responses: ok({ oneOf: [thing, other] }) }),
  },
  {
    name: 'a nullable oneOf of objects with a discriminator and literals',
    spec: specWith({
      responses: ok({
        oneOf: [
          { type: 'object', required: ['kind'], properties: { kind: { const: 'a' }, x: { type: 'string' } } },
          {
            type: 'object',
            required: ['kind'],
            properties: { kind: { enum: ['b'] }, y: { type: 'integer' } },
          },
          { type: 'null' },
        ],
        discriminator: kind,
      }),
    }),
  },
  {
    name: 'an anyOf of component objects with a discriminator mapping',
    spec: specWith(
      inBody({
        anyOf: [thing, other],
        discriminator: { ...kind, mapping: { t: '#/components/schemas/Thing' } },
      }),
    ),
  },
];
