import type { components } from '@aerostack/spec/types';
import type { AiService } from '../../ai/service.js';
import type { CatalogTool } from './tools.js';

export type CapabilityManifest = components['schemas']['CapabilityManifest'];

/** What the manifest is derived from: the server's tools and what `aerostack.json` says of it. */
export interface ManifestInput {
  projectId: string;
  name: string;
  description: string | null;
  category: string | null;
  tags: string[];
  readme: string | null;
  /** Secrets the server expects, and its `[vars]`: any of them means the caller brings credentials. */
  secrets: string[];
  vars: string[];
  tools: CatalogTool[];
}

/** Items per list of the manifest; each at most this many characters. */
const MAX_ITEMS = 10;
const MAX_ITEM_CHARS = 100;

/** Verbs of tool names, and the capability each shows. */
const VERBS: Record<string, string> = {
  get: 'read',
  read: 'read',
  fetch: 'read',
  list: 'read',
  show: 'read',
  describe: 'read',
  lookup: 'lookup',
  find: 'search',
  search: 'search',
  query: 'search',
  create: 'write',
  add: 'write',
  insert: 'write',
  write: 'write',
  post: 'write',
  put: 'write',
  set: 'write',
  save: 'write',
  upload: 'write',
  update: 'update',
  edit: 'update',
  patch: 'update',
  delete: 'delete',
  remove: 'delete',
  send: 'messaging',
  notify: 'messaging',
  email: 'messaging',
  message: 'messaging',
  translate: 'transform',
  convert: 'transform',
  summarize: 'ai',
  generate: 'ai',
  classify: 'ai',
  subscribe: 'webhooks',
  watch: 'webhooks',
  webhook: 'webhooks',
  run: 'execute',
  execute: 'execute',
  calculate: 'compute',
  compute: 'compute',
};

/** Servers that usually go well with one of a category (or tag), by slug. */
const PAIRS: Record<string, string[]> = {
  support: ['slack-mcp', 'email-mcp'],
  crm: ['email-mcp', 'calendar-mcp'],
  sales: ['crm-mcp', 'email-mcp'],
  devtools: ['github-mcp', 'sentry-mcp'],
  developer: ['github-mcp', 'sentry-mcp'],
  data: ['postgres-mcp', 'sheets-mcp'],
  analytics: ['sheets-mcp', 'slack-mcp'],
  productivity: ['calendar-mcp', 'notion-mcp'],
  communication: ['slack-mcp', 'email-mcp'],
  finance: ['stripe-mcp', 'sheets-mcp'],
  ecommerce: ['stripe-mcp', 'email-mcp'],
  marketing: ['email-mcp', 'analytics-mcp'],
  weather: ['maps-mcp', 'calendar-mcp'],
  ai: ['vector-mcp', 'storage-mcp'],
  search: ['vector-mcp', 'web-mcp'],
};

/** What a server without a capability is not the tool for. */
const LACKING: [string, string][] = [
  ['write', 'creating or changing records'],
  ['delete', 'deleting data'],
  ['search', 'open-ended search'],
  ['webhooks', 'event subscriptions'],
  ['messaging', 'sending notifications'],
];

/** `getCustomerByEmail`, `get_customer-by.email` → `['get', 'customer', 'by', 'email']`. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

const STOP = new Set([
  'by',
  'for',
  'a',
  'an',
  'the',
  'of',
  'to',
  'in',
  'on',
  'with',
  'from',
  'and',
  'or',
  'all',
  'new',
  'id',
]);

function plural(noun: string): string {
  if (/(s|x|z|ch|sh)$/.test(noun)) return noun;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}

/** Up to MAX_ITEMS distinct, trimmed, non-empty items, in first-seen order. */
function items(values: Iterable<string>): string[] {
  const out: string[] = [];
  for (const value of values) {
    const item = value.trim().slice(0, MAX_ITEM_CHARS);
    if (item !== '' && !out.includes(item)) out.push(item);
    if (out.length === MAX_ITEMS) break;
  }
  return out;
}

/** The first sentence of a text, lower-cased, without its full stop. */
function firstSentence(text: string): string {
  const sentence = (/^[^.!?\n]+/.exec(text.trim())?.[0] ?? '').trim();
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}

/**
 * A manifest from what the server says of itself, the same for the same input: capabilities from
 * the verbs of its tool names, data types from their nouns (and the properties their input
 * schemas name `*_id`), triggers from subscribe/watch/webhook tools, pairings from its category
 * and tags, what it is for from its tools' descriptions and its category, and what it is not for
 * from the capabilities it lacks.
 */
export function heuristicManifest(input: ManifestInput): CapabilityManifest {
  const capabilities = new Set<string>();
  const nouns: string[] = [];
  const triggers: string[] = [];
  for (const tool of input.tools) {
    const words = wordsOf(tool.name);
    const verbs = words.filter((w) => VERBS[w] !== undefined);
    for (const verb of verbs) capabilities.add(VERBS[verb] as string);
    const objects = words.filter((w) => VERBS[w] === undefined && !STOP.has(w) && w.length > 1);
    if (objects[0]) nouns.push(plural(objects[0]));
    if (verbs.some((v) => VERBS[v] === 'webhooks') && objects[0]) triggers.push(`${objects[0]}.changed`);
    const properties = Object.keys(
      (tool.inputSchema.properties as Record<string, unknown> | undefined) ?? {},
    );
    for (const property of properties) {
      const id = /^(.+?)_?[iI]d$/.exec(property);
      if (id?.[1]) nouns.push(plural(wordsOf(id[1]).join('-')));
    }
  }
  const has = (c: string) => capabilities.has(c);
  if (has('read') && has('write') && (has('update') || has('delete'))) capabilities.add('crud');
  const topics = [input.category, ...input.tags]
    .filter((t): t is string => t !== null)
    .map((t) => t.toLowerCase());
  const bestFor = [
    ...input.tools.map((t) => firstSentence(t.description ?? '')),
    ...(input.description ? [firstSentence(input.description)] : []),
    ...topics.map((t) => `${t} automation`),
  ];
  return {
    capabilities: items([...capabilities].sort()),
    dataTypes: items([...nouns, ...input.tags.map((t) => t.toLowerCase())]),
    authRequired: input.secrets.length > 0 || input.vars.length > 0 ? 'secret_headers' : 'none',
    triggersAvailable: items(triggers),
    pairsWith: items(topics.flatMap((t) => PAIRS[t] ?? [])),
    bestFor: items(bestFor),
    notSuitableFor: items([
      ...LACKING.filter(([c]) => !has(c) && !(c === 'write' && has('update'))).map(([, what]) => what),
      ...(input.readme && /real-?time|stream/i.test(input.readme) ? [] : ['real-time streaming']),
    ]),
  };
}

const LISTS = [
  'capabilities',
  'dataTypes',
  'triggersAvailable',
  'pairsWith',
  'bestFor',
  'notSuitableFor',
] as const;

/** The model's answer as a manifest, or null when it is not one (then the heuristic serves). */
function fromModel(
  answer: unknown,
  authRequired: CapabilityManifest['authRequired'],
): CapabilityManifest | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const record = answer as Record<string, unknown>;
  const out: Partial<CapabilityManifest> = { authRequired };
  for (const key of LISTS) {
    const value = record[key];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return null;
    out[key] = items(value as string[]);
  }
  return out as CapabilityManifest;
}

const SYSTEM = `You write the capability manifest of an MCP server for a catalogue, as JSON with exactly these keys, each an array of short lower-case strings: capabilities (e.g. crud, search, webhooks), dataTypes (the kinds of records it handles, plural), triggersAvailable (events it can emit, e.g. ticket.created), pairsWith (slugs of servers that complement it, e.g. slack-mcp), bestFor (short use cases), notSuitableFor (short use cases it should not be picked for). Answer with the JSON object only.`;

/**
 * The manifest: written by the AI primitive when a provider is configured (its answer checked,
 * `authRequired` always from the server's declared secrets, which are facts), the heuristic
 * otherwise or when the model fails or answers something else.
 */
export async function generateManifest(
  ai: AiService | undefined,
  input: ManifestInput,
  log: (message: string, fields: Record<string, unknown>) => void,
): Promise<{ manifest: CapabilityManifest; source: 'ai' | 'heuristic' }> {
  const heuristic = heuristicManifest(input);
  if (!ai?.provider) return { manifest: heuristic, source: 'heuristic' };
  const described = {
    name: input.name,
    description: input.description,
    category: input.category,
    tags: input.tags,
    readme: input.readme?.slice(0, 4_000) ?? null,
    tools: input.tools.slice(0, 100).map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
    })),
  };
  try {
    const completion = await ai.chat(
      {
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: JSON.stringify(described).slice(0, 100_000) },
        ],
        responseFormat: { type: 'json' },
        temperature: 0,
      },
      { projectId: input.projectId, keyId: null },
      AbortSignal.timeout(30_000),
    );
    const manifest = fromModel(completion.json, heuristic.authRequired);
    if (manifest) return { manifest, source: 'ai' };
    log('hosting: the model answered no manifest; the heuristic one is kept', { projectId: input.projectId });
  } catch (error) {
    log('hosting: the model failed to write a manifest; the heuristic one is kept', {
      projectId: input.projectId,
      error: String(error),
    });
  }
  return { manifest: heuristic, source: 'heuristic' };
}
