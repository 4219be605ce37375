import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateManifest,
  heuristicManifest,
  type ManifestInput,
} from '../src/modules/hosting/catalog/manifest.js';
import { type AiProviders, aiProviders, fixture, OPENAI, providerErrors } from './support/ai-providers.js';
import { BACKENDS } from './support/backends.js';
import { type TestPlatform, testPlatform } from './support/harness.js';

// The capability manifest of a hosted MCP server (decision 0051): a deterministic heuristic from
// what the server says of itself, and the AI primitive's answer (the real Vercel AI SDK provider
// against recorded OpenAI answers served by msw) when a provider is configured, checked and
// falling back to the heuristic when the model fails or answers something else.

const tickets: ManifestInput = {
  projectId: 'prj_1',
  name: 'Tickets',
  description: 'Support tickets for your help desk.',
  category: 'support',
  tags: ['helpdesk'],
  readme: '# Tickets',
  secrets: ['TICKETS_TOKEN'],
  vars: [],
  tools: [
    {
      name: 'getTicket',
      description: 'Reads a ticket by id. Returns its history.',
      inputSchema: { type: 'object', properties: { ticket_id: { type: 'string' } } },
    },
    {
      name: 'create_ticket',
      description: 'Creates a ticket for a customer.',
      inputSchema: { type: 'object', properties: { customerId: { type: 'string' } } },
    },
    { name: 'delete_ticket', description: null, inputSchema: { type: 'object' } },
    {
      name: 'subscribe_ticket_updates',
      description: 'Calls a webhook on changes.',
      inputSchema: { type: 'object' },
    },
  ],
};
const weather: ManifestInput = {
  projectId: 'prj_1',
  name: 'Weather',
  description: null,
  category: 'weather',
  tags: [],
  readme: 'Streams live weather in real time.',
  secrets: [],
  vars: [],
  tools: [{ name: 'search_forecasts', description: 'Searches forecasts.', inputSchema: { type: 'object' } }],
};

describe('the heuristic manifest', () => {
  it('reads capabilities, data types, triggers, pairings and uses from the tools, category and tags', () => {
    expect(heuristicManifest(tickets)).toEqual({
      capabilities: ['crud', 'delete', 'read', 'webhooks', 'write'],
      dataTypes: ['tickets', 'customers', 'helpdesk'],
      authRequired: 'secret_headers',
      triggersAvailable: ['ticket.changed'],
      pairsWith: ['slack-mcp', 'email-mcp'],
      bestFor: [
        'reads a ticket by id',
        'creates a ticket for a customer',
        'calls a webhook on changes',
        'support tickets for your help desk',
        'support automation',
        'helpdesk automation',
      ],
      notSuitableFor: ['open-ended search', 'sending notifications', 'real-time streaming'],
    });
  });

  it('is the same for the same server and different for two different ones', () => {
    expect(heuristicManifest(structuredClone(tickets))).toEqual(heuristicManifest(tickets));
    const other = heuristicManifest(weather);
    expect(other).not.toEqual(heuristicManifest(tickets));
    expect(other).toEqual({
      capabilities: ['search'],
      dataTypes: ['forecasts'],
      authRequired: 'none',
      triggersAvailable: [],
      pairsWith: ['maps-mcp', 'calendar-mcp'],
      bestFor: ['searches forecasts', 'weather automation'],
      notSuitableFor: [
        'creating or changing records',
        'deleting data',
        'event subscriptions',
        'sending notifications',
      ],
    });
  });

  it('bounds every list (10 items of at most 100 characters)', () => {
    const many = {
      ...weather,
      tools: Array.from({ length: 30 }, (_, i) => ({
        name: `get_thing${i}`,
        description: `${i} ${'x'.repeat(300)}`,
        inputSchema: { type: 'object' },
      })),
    };
    const manifest = heuristicManifest(many);
    for (const list of [manifest.dataTypes, manifest.bestFor]) {
      expect(list.length).toBe(10);
      for (const item of list) expect(item.length).toBeLessThanOrEqual(100);
    }
  });
});

/** A chat completion as OpenAI records it, its content replaced. */
function completion(content: string) {
  const recorded = JSON.parse(fixture('openai-chat-json.json'));
  recorded.choices[0].message.content = content;
  return HttpResponse.json(recorded);
}

describe('the manifest written by the AI primitive', () => {
  let providers: AiProviders;
  let t: TestPlatform;
  const warnings: string[] = [];
  const log = (message: string) => {
    warnings.push(message);
  };

  beforeAll(async () => {
    providers = aiProviders();
    t = await testPlatform(BACKENDS[0]!, {
      env: { AEROSTACK_AI_PROVIDER: 'openai', AEROSTACK_AI_API_KEY: 'sk-operator' },
    });
  });
  afterAll(async () => {
    await t?.close();
    providers?.close();
  });

  it('asks the model with the tools and keeps its checked answer; authRequired stays the known fact', async () => {
    let asked: { messages: { content: string }[]; response_format?: unknown } | undefined;
    providers.server.use(
      http.post(`${OPENAI}/chat/completions`, async ({ request }) => {
        asked = (await request.json()) as typeof asked;
        return completion(
          JSON.stringify({
            capabilities: ['crud', 'webhooks'],
            dataTypes: ['tickets'],
            triggersAvailable: ['ticket.created'],
            pairsWith: ['slack-mcp'],
            bestFor: ['ticket triage'],
            notSuitableFor: ['file storage'],
            authRequired: 'none',
          }),
        );
      }),
    );
    const { manifest, source } = await generateManifest(t.platform.services.ai, tickets, log);
    expect(source).toBe('ai');
    expect(manifest).toEqual({
      capabilities: ['crud', 'webhooks'],
      dataTypes: ['tickets'],
      authRequired: 'secret_headers',
      triggersAvailable: ['ticket.created'],
      pairsWith: ['slack-mcp'],
      bestFor: ['ticket triage'],
      notSuitableFor: ['file storage'],
    });
    expect(asked?.response_format).toBeDefined();
    expect(asked?.messages.at(-1)?.content).toContain('subscribe_ticket_updates');
    providers.reset();
  });

  it('falls back to the heuristic when the model answers no manifest, or fails', async () => {
    providers.use(`${OPENAI}/chat/completions`, () => completion('{"capabilities": "everything"}'));
    const wrong = await generateManifest(t.platform.services.ai, tickets, log);
    expect(wrong).toEqual({ manifest: heuristicManifest(tickets), source: 'heuristic' });
    providers.reset();
    providers.use(`${OPENAI}/chat/completions`, providerErrors.serverError);
    const failed = await generateManifest(t.platform.services.ai, tickets, log);
    expect(failed).toEqual({ manifest: heuristicManifest(tickets), source: 'heuristic' });
    expect(warnings).toHaveLength(2);
    providers.reset();
  });

  it('without a provider, the heuristic', async () => {
    const plain = await testPlatform(BACKENDS[0]!);
    try {
      expect(await generateManifest(plain.platform.services.ai, weather, log)).toEqual({
        manifest: heuristicManifest(weather),
        source: 'heuristic',
      });
    } finally {
      await plain.close();
    }
  });
});
