import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';

// The parts of OpenAI's request bodies the platform reads, as JSON Schema (decision 0041). Fields
// OpenAI defines that do not change the answer here (user, seed, logprobs…) are accepted and
// ignored, as OpenAI-compatible servers do; unknown types of the fields we read are refused.

const text = { type: 'string', maxLength: 400000 };
const contentPart = {
  type: 'object',
  required: ['type'],
  properties: { type: { const: 'text' }, text },
};

const message = {
  type: 'object',
  required: ['role'],
  properties: {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
    content: {
      oneOf: [text, { type: 'null' }, { type: 'array', maxItems: 256, items: contentPart }],
    },
    name: { type: 'string' },
    tool_call_id: { type: 'string', minLength: 1, maxLength: 256 },
    tool_calls: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        required: ['id', 'function'],
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 256 },
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name', 'arguments'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
              arguments: { type: 'string', maxLength: 400000 },
            },
          },
        },
      },
    },
  },
};

export const chatSchema = {
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 200 },
    messages: { type: 'array', minItems: 1, maxItems: 1000, items: message },
    tools: {
      type: 'array',
      maxItems: 128,
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
              description: { type: 'string', maxLength: 4096 },
              parameters: { type: 'object' },
            },
          },
        },
      },
    },
    tool_choice: {
      oneOf: [
        { enum: ['auto', 'none', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'] } },
        },
      ],
    },
    response_format: {
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['text', 'json_object', 'json_schema'] },
        json_schema: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, schema: { type: 'object' } },
        },
      },
    },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    max_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 1000000 },
    max_completion_tokens: { type: ['integer', 'null'], minimum: 1, maximum: 1000000 },
    n: { type: ['integer', 'null'], const: 1 },
    stream: { type: ['boolean', 'null'] },
    stream_options: {
      type: ['object', 'null'],
      properties: { include_usage: { type: 'boolean' } },
    },
  },
};

export const embeddingsSchema = {
  type: 'object',
  required: ['model', 'input'],
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 200 },
    input: {
      oneOf: [
        { type: 'string', minLength: 1, maxLength: 100000 },
        {
          type: 'array',
          minItems: 1,
          maxItems: 256,
          items: { type: 'string', minLength: 1, maxLength: 100000 },
        },
      ],
    },
    encoding_format: { enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
    user: { type: 'string' },
  },
};

const ajv = new Ajv2020({ allErrors: false, strict: false });
const validators = { chat: ajv.compile(chatSchema), embeddings: ajv.compile(embeddingsSchema) };

export interface SchemaProblem {
  message: string;
  param: string | null;
}

function describe(error: ErrorObject): SchemaProblem {
  const param = error.instancePath.replace(/^\//, '').replace(/\//g, '.') || null;
  return { message: `${param ?? 'body'} ${error.message ?? 'is invalid'}`, param };
}

/** Null when `body` is a valid request of that kind, else the first problem. */
export function check(kind: keyof typeof validators, body: unknown): SchemaProblem | null {
  const validate = validators[kind];
  if (validate(body)) return null;
  return describe(validate.errors![0]!);
}
