import type { Endpoint, EndpointCall } from '../../../http/endpoints.js';
import { ApiError } from '../../../http/problem.js';
import { readBody } from '../../../http/request/body.js';
import { parseJsonBody } from '../../../http/request/json.js';
import type { Services } from '../../../services.js';
import type { UsageOwner } from '../service.js';
import {
  chatRequestOf,
  completionId,
  encodeEmbedding,
  finishReasonOf,
  type OpenAiChatBody,
  type OpenAiEmbeddingsBody,
  RequestProblem,
  toolCallsOf,
  usageOf,
} from './format.js';
import { check } from './schema.js';

const DECISION = 'docs/decisions/0041-ai.md';
const ERRORS = 'openai';

/** OpenAI's error `type` for a status. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

/**
 * An error in OpenAI's body shape (`{ error: { message, type, param, code } }`), which OpenAI SDKs
 * read; `code` is the platform's stable code, the same as in problem+json elsewhere.
 */
function openAiError(
  call: EndpointCall,
  status: number,
  code: string,
  message: string,
  param: string | null = null,
  headers: Record<string, string> = {},
): Response {
  return Response.json(
    { error: { message, type: errorType(status), param, code } },
    { status, headers: { ...call.baseHeaders, ...headers, 'cache-control': 'no-store' } },
  );
}

function fromError(call: EndpointCall, error: unknown): Response {
  if (error instanceof RequestProblem) {
    return openAiError(call, 400, 'request/invalid-body', error.message, error.param);
  }
  if (error instanceof ApiError) {
    return openAiError(
      call,
      error.status,
      error.code,
      error.detail ?? error.title,
      null,
      error.extra.headers,
    );
  }
  throw error;
}

/** The caller (a project secret key as the OpenAI API key) and its JSON body. */
async function admit(services: Services, call: EndpointCall, withBody: boolean) {
  const principal = await services.authenticate(call.header('authorization'), ['secretKey']);
  const owner: UsageOwner = { projectId: principal.projectId!, keyId: principal.credentialId, userId: null };
  if (!withBody) return { owner, body: undefined };
  const type = call.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError('request/unsupported-media-type', 'Send the body as application/json.');
  }
  return { owner, body: parseJsonBody(await readBody(call, services.config.bodyLimitBytes)) };
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

async function chatCompletions(services: Services, call: EndpointCall): Promise<Response> {
  const { owner, body } = await admit(services, call, true);
  const problem = check('chat', body);
  if (problem) return openAiError(call, 400, 'request/invalid-body', problem.message, problem.param);
  const openAi = body as OpenAiChatBody;
  const request = chatRequestOf(openAi);
  const id = completionId();
  const created = Math.floor(Date.now() / 1000);
  const abort = new AbortController();

  if (!openAi.stream) {
    const completion = await services.ai.chat(request, owner, abort.signal);
    const toolCalls = toolCallsOf(completion.toolCalls);
    return Response.json(
      {
        id,
        object: 'chat.completion',
        created,
        model: completion.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: completion.text === '' && toolCalls.length > 0 ? null : completion.text,
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
              refusal: null,
            },
            logprobs: null,
            finish_reason: finishReasonOf(completion.finishReason),
          },
        ],
        usage: usageOf(completion.usage),
      },
      { headers: { ...call.baseHeaders, 'cache-control': 'no-store' } },
    );
  }

  // Streamed: errors before the first token are an ordinary error answer (the await below).
  const { model, parts } = await services.ai.stream(request, owner, abort.signal);
  const includeUsage = openAi.stream_options?.include_usage === true;
  const encoder = new TextEncoder();
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    encoder.encode(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
    );
  const iterator = parts[Symbol.asyncIterator]();
  let toolIndex = 0;
  let started = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          controller.enqueue(
            chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
          );
          return;
        }
        const next = await iterator.next();
        if (next.done) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          return;
        }
        const part = next.value;
        if (part.type === 'delta') {
          controller.enqueue(chunk([{ index: 0, delta: { content: part.text }, finish_reason: null }]));
        } else if (part.type === 'tool-call') {
          const [toolCall] = toolCallsOf([part.call]);
          controller.enqueue(
            chunk([
              { index: 0, delta: { tool_calls: [{ index: toolIndex++, ...toolCall }] }, finish_reason: null },
            ]),
          );
        } else {
          controller.enqueue(
            chunk([{ index: 0, delta: {}, finish_reason: finishReasonOf(part.finishReason) }]),
          );
          if (includeUsage) controller.enqueue(chunk([], { usage: usageOf(part.usage) }));
        }
      } catch (error) {
        // Headers are gone: OpenAI reports a failure mid-stream as an event carrying its error body.
        const e = error instanceof ApiError ? error : new ApiError('ai/provider-error');
        controller.enqueue(
          encoder.encode(
            `data: ${JSON.stringify({ error: { message: e.detail ?? e.title, type: errorType(e.status), param: null, code: e.code } })}\n\n`,
          ),
        );
        controller.close();
      }
    },
    async cancel() {
      abort.abort();
      await iterator.return?.();
    },
  });
  return new Response(stream, { headers: { ...call.baseHeaders, ...SSE_HEADERS } });
}

async function embeddings(services: Services, call: EndpointCall): Promise<Response> {
  const { owner, body } = await admit(services, call, true);
  const problem = check('embeddings', body);
  if (problem) return openAiError(call, 400, 'request/invalid-body', problem.message, problem.param);
  const openAi = body as OpenAiEmbeddingsBody;
  const texts = typeof openAi.input === 'string' ? [openAi.input] : openAi.input;
  const result = await services.ai.embed(texts, { usage: owner, model: openAi.model });
  return Response.json(
    {
      object: 'list',
      data: result.embeddings.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: encodeEmbedding(vector, openAi.encoding_format),
      })),
      model: result.model,
      usage: { prompt_tokens: result.inputTokens, total_tokens: result.inputTokens },
    },
    { headers: { ...call.baseHeaders, 'cache-control': 'no-store' } },
  );
}

async function models(services: Services, call: EndpointCall): Promise<Response> {
  await admit(services, call, false);
  const owner = services.ai.provider ?? 'none';
  return Response.json(
    {
      object: 'list',
      data: services.ai.models().map((id) => ({ id, object: 'model', created: 0, owned_by: owner })),
    },
    { headers: { ...call.baseHeaders, 'cache-control': 'no-store' } },
  );
}

const guarded =
  (services: Services, run: (services: Services, call: EndpointCall) => Promise<Response>) =>
  async (call: EndpointCall) => {
    try {
      return await run(services, call);
    } catch (error) {
      return fromError(call, error);
    }
  };

/**
 * The OpenAI-compatible API (decision 0041): any OpenAI SDK pointed at `<platform>/v1/ai/openai`
 * with a project secret key as its API key gets chat completions (streamed in OpenAI's chunk
 * format, ending `data: [DONE]`), embeddings and the model list, counted in the project's usage.
 */
export function openAiEndpoints(services: Services): Endpoint[] {
  const common = { errors: ERRORS, decision: DECISION } as const;
  return [
    {
      ...common,
      method: 'POST',
      path: '/v1/ai/openai/chat/completions',
      description: 'OpenAI-compatible chat completions (streamed with `stream: true`)',
      handle: guarded(services, chatCompletions),
    },
    {
      ...common,
      method: 'POST',
      path: '/v1/ai/openai/embeddings',
      description: 'OpenAI-compatible embeddings',
      handle: guarded(services, embeddings),
    },
    {
      ...common,
      method: 'GET',
      path: '/v1/ai/openai/models',
      description: 'OpenAI-compatible model list: the configured models',
      handle: guarded(services, models),
    },
  ];
}
