import { randomBytes } from 'node:crypto';
import type { AiMessage, AiTool, AiToolCall, FinishReason, TokenUsage } from '../provider.js';
import type { ChatRequest } from '../service.js';

// Between OpenAI's Chat Completions and Embeddings shapes and the service's (decision 0041).

export interface OpenAiChatBody {
  model: string;
  messages: Array<{
    role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
    content?: string | null | Array<{ type: 'text'; text?: string }>;
    tool_call_id?: string;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  }>;
  tools?: Array<{ function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
  tool_choice?: 'auto' | 'none' | 'required' | { function: { name: string } };
  response_format?: {
    type: 'text' | 'json_object' | 'json_schema';
    json_schema?: { name: string; schema?: object };
  };
  temperature?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
}

export interface OpenAiEmbeddingsBody {
  model: string;
  input: string | string[];
  encoding_format?: 'float' | 'base64';
}

/** Thrown for a request that is valid JSON Schema-wise but not usable (e.g. arguments not JSON). */
export class RequestProblem extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

const textOf = (content: OpenAiChatBody['messages'][number]['content']): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((p) => p.text ?? '').join('')
      : '';

function parseArguments(raw: string, at: string): AiToolCall['arguments'] {
  try {
    return (raw.trim() === '' ? {} : JSON.parse(raw)) as AiToolCall['arguments'];
  } catch {
    throw new RequestProblem(`${at} is not valid JSON`, at);
  }
}

export function chatRequestOf(body: OpenAiChatBody): ChatRequest {
  const messages: AiMessage[] = body.messages.map((m, i) => {
    const role = m.role === 'developer' ? 'system' : m.role;
    const message: AiMessage = { role, content: textOf(m.content) };
    if (role === 'assistant' && m.tool_calls?.length) {
      message.toolCalls = m.tool_calls.map((c, j) => ({
        id: c.id,
        name: c.function.name,
        arguments: parseArguments(c.function.arguments, `messages.${i}.tool_calls.${j}.function.arguments`),
      }));
    }
    if (role === 'tool') {
      if (!m.tool_call_id)
        throw new RequestProblem(
          `messages.${i}.tool_call_id is required for a tool message`,
          `messages.${i}.tool_call_id`,
        );
      message.toolCallId = m.tool_call_id;
    }
    return message;
  });
  let tools: AiTool[] | undefined = body.tools?.map((t) => ({
    name: t.function.name,
    ...(t.function.description ? { description: t.function.description } : {}),
    parameters: (t.function.parameters ?? { type: 'object', properties: {} }) as AiTool['parameters'],
  }));
  let toolChoice: ChatRequest['toolChoice'];
  if (typeof body.tool_choice === 'string') toolChoice = body.tool_choice;
  else if (body.tool_choice) {
    // One named function: offer only that tool, and require it.
    const name = body.tool_choice.function.name;
    tools = tools?.filter((t) => t.name === name);
    if (!tools?.length)
      throw new RequestProblem(`tool_choice names ${name}, which is not in tools`, 'tool_choice');
    toolChoice = 'required';
  }
  const format = body.response_format;
  const maxOutputTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return {
    messages,
    model: body.model,
    ...(tools?.length ? { tools, toolChoice: toolChoice ?? 'auto' } : {}),
    ...(format && format.type !== 'text'
      ? {
          responseFormat: {
            type: 'json',
            ...(format.json_schema?.schema
              ? { schema: format.json_schema.schema as Record<string, never> }
              : {}),
            ...(format.json_schema?.name && /^[A-Za-z0-9_-]{1,64}$/.test(format.json_schema.name)
              ? { name: format.json_schema.name }
              : {}),
          },
        }
      : {}),
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(maxOutputTokens != null ? { maxOutputTokens } : {}),
  };
}

const FINISH: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
  error: 'stop',
  other: 'stop',
};
export const finishReasonOf = (reason: FinishReason) => FINISH[reason];

export const completionId = () => `chatcmpl-${randomBytes(12).toString('base64url')}`;

export const usageOf = (usage: TokenUsage) => ({
  prompt_tokens: usage.inputTokens,
  completion_tokens: usage.outputTokens,
  total_tokens: usage.inputTokens + usage.outputTokens,
});

export const toolCallsOf = (calls: AiToolCall[]) =>
  calls.map((c) => ({
    id: c.id,
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.arguments) },
  }));

/** An embedding as OpenAI sends it: numbers, or little-endian float32 bytes in base64. */
export function encodeEmbedding(vector: number[], format: 'float' | 'base64' | undefined): number[] | string {
  if (format !== 'base64') return vector;
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [i, value] of vector.entries()) bytes.writeFloatLE(value, i * 4);
  return bytes.toString('base64');
}
