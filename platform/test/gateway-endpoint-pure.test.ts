import { createHash } from 'node:crypto';
import { McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { merge } from '../src/modules/gateway/endpoint/aggregate.js';
import { withDeadline } from '../src/modules/gateway/endpoint/deadline.js';
import { CancelledError, DeadlineError } from '../src/modules/gateway/endpoint/errors.js';
import { answerToolCall, toolCallOf } from '../src/modules/gateway/endpoint/json-answer.js';
import {
  gatewayName,
  MAX_NAME_LENGTH,
  resolveName,
  splitName,
} from '../src/modules/gateway/endpoint/names.js';
import type { ServerRecord } from '../src/modules/gateway/endpoint/types.js';

// The gateway's pure parts. Names and merge order: every worker and node must compute the same
// names, and resolve them back, without sharing anything. The deadline: a list never waits past it.

const sha8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

describe('gatewayName', () => {
  const rows = [
    { server: 'github', tool: 'create_issue', expected: 'github__create_issue' },
    // exactly 64: kept as it is
    { server: 'a', tool: 't'.repeat(61), expected: `a__${'t'.repeat(61)}` },
    // 65: shortened to a 53-character prefix, `_`, 8 hex
    { server: 'a', tool: 't'.repeat(62), expected: `a__${'t'.repeat(52)}_${sha8('t'.repeat(62))}` },
    // the longest slug (32) leaves 21 characters of the tool
    {
      server: 's'.repeat(32),
      tool: `${'x'.repeat(40)}`,
      expected: `${'s'.repeat(32)}__${'x'.repeat(21)}_${sha8('x'.repeat(40))}`,
    },
    // a tool name holding `__` keeps it: only the first `__` separates the server
    { server: 'gh', tool: 'repo__list', expected: 'gh__repo__list' },
  ];
  it.each(rows)('$server + $tool', ({ server, tool, expected }) => {
    expect(gatewayName(server, tool)).toBe(expected);
    expect(gatewayName(server, tool).length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
  });

  it('tells apart long names that share their first characters', () => {
    const a = gatewayName('srv', `${'p'.repeat(70)}a`);
    const b = gatewayName('srv', `${'p'.repeat(70)}b`);
    expect(a).not.toBe(b);
    expect(a.slice(0, -8)).toBe(b.slice(0, -8));
  });

  it('never cuts a surrogate pair in half', () => {
    // 52 UTF-16 units of room: the 52nd is the first half of the emoji, so the prefix stops before it
    const tool = `${'t'.repeat(51)}😀${'t'.repeat(20)}`;
    const name = gatewayName('a', tool);
    expect(name).toBe(`a__${'t'.repeat(51)}_${sha8(tool)}`);
  });
});

describe('splitName', () => {
  it.each([
    ['github__create_issue', { server: 'github', rest: 'create_issue' }],
    ['gh__repo__list', { server: 'gh', rest: 'repo__list' }],
    ['echo', null],
    ['__echo', null],
    ['alpha__', null],
    ['', null],
  ])('%s', (name, expected) => {
    expect(splitName(name)).toEqual(expected);
  });
});

describe('resolveName', () => {
  const long = 'l'.repeat(80);
  const tools = [{ name: 'echo' }, { name: long }, { name: 'write' }];

  it('finds short and shortened names, and nothing else', () => {
    expect(resolveName('srv', tools, 'srv__echo')).toBe(tools[0]);
    expect(resolveName('srv', tools, gatewayName('srv', long))).toBe(tools[1]);
    expect(resolveName('srv', tools, `srv__${long}`)).toBeUndefined();
    expect(resolveName('srv', tools, 'other__echo')).toBeUndefined();
    expect(resolveName('other', tools, 'other__echo')).toBe(tools[0]);
  });

  it('lets the first of two items with one gateway name win', () => {
    const twice = [
      { name: 'dup', n: 1 },
      { name: 'dup', n: 2 },
    ];
    expect(resolveName('srv', twice, 'srv__dup')?.n).toBe(1);
  });
});

describe('merge', () => {
  const server = (slug: string, disabledTools: string[] = []): ServerRecord => ({
    id: `srv_${slug}`,
    workspaceId: 'wsp_1',
    slug,
    name: slug,
    kind: 'proxy',
    url: 'http://127.0.0.1/mcp',
    transport: 'streamable-http',
    targetWorkspaceId: null,
    secretHeaders: [],
    bearerSecret: null,
    enabled: true,
    disabledTools,
    timeoutMs: null,
  });
  const tool = (name: string): Tool => ({ name, inputSchema: { type: 'object' } });

  it('orders tools by server slug then name (code units), hides disabled ones, keeps the rest of each tool', () => {
    const merged = merge('tools', [
      { server: server('a'), items: [tool('zeta'), tool('Alpha'), tool('beta')] },
      { server: server('a-b', ['hidden']), items: [tool('hidden'), tool('x')] },
    ]);
    expect(merged.map((t) => t.name)).toEqual(['a__Alpha', 'a__beta', 'a__zeta', 'a-b__x']);
    expect(merged[0]).toEqual({ name: 'a__Alpha', inputSchema: { type: 'object' } });
  });

  it('keeps resource URIs and lets the first server listing one win', () => {
    const merged = merge('resources', [
      {
        server: server('a'),
        items: [
          { uri: 'x://2', name: 'a2' },
          { uri: 'x://1', name: 'a1' },
        ],
      },
      {
        server: server('b'),
        items: [
          { uri: 'x://1', name: 'b1' },
          { uri: 'x://3', name: 'b3' },
        ],
      },
    ]);
    expect(merged.map((r) => [r.uri, r.name])).toEqual([
      ['x://1', 'a1'],
      ['x://2', 'a2'],
      ['x://3', 'b3'],
    ]);
  });
});

describe('withDeadline', () => {
  const never = (signal: AbortSignal, seen: AbortSignal[]) => {
    seen.push(signal);
    return new Promise<never>(() => {}); // work that ignores its signal
  };

  it('answers at the deadline even when the work ignores its signal, and aborts that signal', async () => {
    const seen: AbortSignal[] = [];
    const started = performance.now();
    const error = await withDeadline(50, new AbortController().signal, (s) => never(s, seen)).catch((e) => e);
    expect(error).toBeInstanceOf(DeadlineError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(seen[0]!.aborted).toBe(true);
    expect(seen[0]!.reason).toBe(error);
  });

  it('stops with the parent signal, before or during the work', async () => {
    const parent = new AbortController();
    const seen: AbortSignal[] = [];
    const running = withDeadline(10_000, parent.signal, (s) => never(s, seen)).catch((e) => e);
    parent.abort();
    expect(await running).toBeInstanceOf(CancelledError);
    expect(seen[0]!.aborted).toBe(true);
    await expect(withDeadline(10_000, parent.signal, async () => 'ran')).rejects.toBeInstanceOf(
      CancelledError,
    );
  });

  it('passes the answer or the failure of work that finishes in time', async () => {
    const signal = new AbortController().signal;
    expect(await withDeadline(1_000, signal, async () => 42)).toBe(42);
    await expect(
      withDeadline(1_000, signal, async () => Promise.reject(new Error('upstream'))),
    ).rejects.toThrow('upstream');
  });
});

// The tools/call fast lane's edge (decision 0043): what it takes, and its answers as the SDK's
// Protocol writes them; anything it does not take goes to the SDK Server.
describe('toolCallOf and answerToolCall', () => {
  const call = (extra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'echo__echo', arguments: { text: 'hi' }, ...params },
    ...extra,
  });

  it('takes a plain tools/call, with its params as the SDK schema parses them', () => {
    expect(toolCallOf(call())).toEqual({ id: 7, params: { name: 'echo__echo', arguments: { text: 'hi' } } });
    expect(toolCallOf(call({ id: 'a-string' }))?.id).toBe('a-string');
    expect(toolCallOf(call({}, { _meta: { note: 1 } }))?.params._meta).toEqual({ note: 1 });
  });

  it('leaves the rest to the SDK: other methods, bad envelopes, bad params, progress, tasks', () => {
    const refused = [
      call({ method: 'tools/list' }),
      call({ jsonrpc: '1.0' }),
      call({ id: 1.5 }),
      call({ id: null }),
      call({ extra: true }),
      call({}, { name: 42 }),
      call({}, { arguments: 'text' }),
      call({}, { _meta: { progressToken: 'p' } }),
      call({}, { task: { ttl: 1000 } }),
      call({}, { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } }),
      [call()],
      null,
      'tools/call',
    ];
    for (const message of refused) expect(toolCallOf(message), JSON.stringify(message)).toBeNull();
  });

  it('answers a result, an McpError, and anything else as the SDK Protocol does', async () => {
    const result = { content: [{ type: 'text' as const, text: 'hi' }] };
    expect(JSON.parse(await answerToolCall(7, async () => result))).toEqual({
      result,
      jsonrpc: '2.0',
      id: 7,
    });
    const mcp = new McpError(-32602, 'Unknown tool: x', { code: 'gateway/unknown-tool' });
    expect(
      JSON.parse(
        await answerToolCall('s', async () => {
          throw mcp;
        }),
      ),
    ).toEqual({
      jsonrpc: '2.0',
      id: 's',
      error: { code: -32602, message: mcp.message, data: { code: 'gateway/unknown-tool' } },
    });
    expect(
      JSON.parse(
        await answerToolCall(8, async () => {
          throw Object.assign(new Error('odd'), { code: 'EODD' });
        }),
      ),
    ).toEqual({ jsonrpc: '2.0', id: 8, error: { code: -32603, message: 'odd' } });
  });
});
