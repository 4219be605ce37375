import type { components } from '@aerostack/spec/types';
import { projectIdOf } from '../../http/auth/principal.js';
import { defineHandlers } from '../../http/handler.js';
import type { SseEvent } from '../../http/reply/events.js';
import { pageOf, positionOf } from '../../lib/cursor.js';
import { defineModule } from '../module.js';
import { admitAi } from './access.js';
import { dropProject } from './drop.js';
import { migrations } from './migrations.js';
import { openAiEndpoints } from './openai/endpoints.js';
import type { StreamPart } from './provider.js';
import { type AiService, type ChatRequest, createAiService } from './service.js';
import type { UsageRow } from './store.js';

declare module '../../services.js' {
  interface ModuleServices {
    ai: AiService;
  }
}

type ChatBody = components['schemas']['AiChatRequest'];

function chatRequest(body: ChatBody): ChatRequest {
  return {
    messages: body.messages,
    model: body.model,
    tools: body.tools,
    toolChoice: body.toolChoice,
    responseFormat: body.responseFormat,
    temperature: body.temperature,
    maxOutputTokens: body.maxOutputTokens,
  };
}

/** The stream's events: `start`, the parts as `delta` / `tool-call` / `done`, ids counting up. */
async function* events(model: string, parts: AsyncIterable<StreamPart>): AsyncGenerator<SseEvent> {
  let n = 0;
  yield { id: String(++n), event: 'start', data: { model } };
  for await (const part of parts) {
    const id = String(++n);
    if (part.type === 'delta') yield { id, event: 'delta', data: { text: part.text } };
    else if (part.type === 'tool-call') yield { id, event: 'tool-call', data: part.call };
    else yield { id, event: 'done', data: { finishReason: part.finishReason, usage: part.usage } };
  }
}

const usageRowOf = (row: UsageRow) => ({
  day: row.day,
  keyId: row.key_id,
  userId: row.user_id,
  model: row.model,
  requests: Number(row.requests),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
});

export default defineModule({
  name: 'ai',
  migrations,
  dropProject,
  create: createAiService,
  endpoints: (services) => openAiEndpoints(services),
  handlers: defineHandlers({
    'ai.chat': async ({ principal, body, services, signal }) => {
      const owner = await admitAi(services, principal);
      const completion = await services.ai.chat(chatRequest(body), owner, signal);
      return {
        status: 200,
        body: {
          model: completion.model,
          message: { role: 'assistant', content: completion.text, toolCalls: completion.toolCalls },
          ...('json' in completion ? { json: completion.json as components['schemas']['JsonValue'] } : {}),
          finishReason: completion.finishReason,
          usage: completion.usage,
        },
      };
    },

    'ai.chatStream': async ({ principal, body, services, signal }) => {
      const owner = await admitAi(services, principal);
      const { model, parts } = await services.ai.stream(chatRequest(body), owner, signal);
      return { status: 200, events: events(model, parts) };
    },

    'ai.embed': async ({ principal, body, services, signal }) => {
      const owner = await admitAi(services, principal);
      const result = await services.ai.embed(body.texts, {
        usage: owner,
        signal,
        ...(body.model ? { model: body.model } : {}),
      });
      return {
        status: 200,
        body: {
          model: result.model,
          dimensions: result.dimensions,
          embeddings: result.embeddings,
          usage: { inputTokens: result.inputTokens },
        },
      };
    },

    'ai.usage': async ({ principal, query, services }) => {
      const limit = query.limit ?? 50;
      const rows = await services.ai.usage.list(
        projectIdOf(principal),
        { since: query.since, until: query.until, keyId: query.keyId },
        positionOf(query.cursor),
        limit,
      );
      return {
        status: 200,
        body: pageOf(
          rows.map((row) => ({ ...row, created_at: row.day, id: row.bucket })),
          limit,
          usageRowOf,
        ),
      };
    },
  }),
});
