import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger, type LoggerLevel } from '../src/lib/logger.js';

function capture(level: LoggerLevel = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = createLogger(level, (line) => out.push(line));
  return {
    logger,
    lines: () =>
      out.map((line) => {
        expect(line.endsWith('\n')).toBe(true);
        return JSON.parse(line) as Record<string, unknown>;
      }),
  };
}

const SK = 'sk_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789wXyZ';
const AK = 'ak_0123456789012345678901234567890123456789';
const MWT = 'mwt_abcdefghijklmnopqrstuvwxyz';

describe('the request line', () => {
  it('is exactly the line info("request", fields) writes, credentials masked, quotes escaped', () => {
    const raw: string[] = [];
    const generic: string[] = [];
    const fields = { requestId: SK, method: 'GET', path: `/v1/cache/"${SK}"\\x`, status: 404, ms: 3 };
    createLogger('info', (line) => raw.push(line)).request(fields);
    createLogger('info', (line) => generic.push(line)).info('request', fields);
    const strip = (line: string) => line.replace(/"time":"[^"]+"/, '"time":""');
    expect(raw.map(strip)).toEqual(generic.map(strip));
    expect(raw[0]).not.toContain(SK);
    expect(JSON.parse(raw[0]!)).toMatchObject({ level: 'info', msg: 'request', status: 404, ms: 3 });
  });

  it('is not written below info', () => {
    const out: string[] = [];
    createLogger('warn', (line) => out.push(line)).request({
      requestId: 'r',
      method: 'GET',
      path: '/',
      status: 200,
      ms: 0,
    });
    expect(out).toEqual([]);
  });
});

describe('lines', () => {
  it('are JSON with time, the level as a label, msg and the fields', () => {
    const { logger, lines } = capture();
    logger.info('request', { requestId: 'req_1', status: 200, nested: { ms: 3 } });
    const [line] = lines();
    expect(line).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      msg: 'request',
      requestId: 'req_1',
      status: 200,
      nested: { ms: 3 },
    });
  });

  it('of a child carry its bindings', () => {
    const { logger, lines } = capture();
    const child = logger.child({ requestId: 'req_2' });
    child.warn('slow', { ms: 900 });
    child.child({ op: 'getCache' }).debug('hit');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'warn', msg: 'slow', requestId: 'req_2', ms: 900 }),
      expect.objectContaining({ level: 'debug', msg: 'hit', requestId: 'req_2', op: 'getCache' }),
    ]);
  });
});

describe('LOG_LEVEL', () => {
  const ROWS: Array<[LoggerLevel, string[]]> = [
    ['silent', []],
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['info', ['error', 'warn', 'info']],
    ['debug', ['error', 'warn', 'info', 'debug']],
  ];
  for (const [level, written] of ROWS) {
    it(`${level} writes ${written.join(', ') || 'nothing'}`, () => {
      const { logger, lines } = capture(level);
      for (const method of ['error', 'warn', 'info', 'debug'] as const) logger[method](method);
      expect(lines().map((line) => line.level)).toEqual(written);
    });
  }
});

describe('redaction', () => {
  // fields logged → what the line must contain, and what it must not
  const ROWS: Array<{
    name: string;
    fields: Record<string, unknown>;
    expected: object;
    forbidden: string[];
  }> = [
    {
      name: 'secret field names, whatever their case or separator',
      fields: {
        authorization: 'Bearer a',
        Cookie: 'c=1',
        'set-cookie': 'c=2',
        password: 'p',
        client_secret: 's',
        accessToken: 't',
        key: 'k',
        apiKey: 'k1',
        secretKey: 'k2',
        accountKey: 'k3',
        publishableKey: 'k4',
        'x-api-key': 'k5',
        API_KEY: 'k6',
        keys: ['k7'],
      },
      expected: {
        authorization: '[redacted]',
        Cookie: '[redacted]',
        'set-cookie': '[redacted]',
        password: '[redacted]',
        client_secret: '[redacted]',
        accessToken: '[redacted]',
        key: '[redacted]',
        apiKey: '[redacted]',
        secretKey: '[redacted]',
        accountKey: '[redacted]',
        publishableKey: '[redacted]',
        'x-api-key': '[redacted]',
        API_KEY: '[redacted]',
        keys: '[redacted]',
      },
      forbidden: ['Bearer a', 'c=1', 'c=2', '"p"', '"k1"', '"k5"', 'k7'],
    },
    {
      name: 'nested fields, in objects and arrays',
      fields: { request: { headers: { Authorization: 'Bearer b', accept: '*/*' } }, list: [{ token: 't2' }] },
      expected: {
        request: { headers: { Authorization: '[redacted]', accept: '*/*' } },
        list: [{ token: '[redacted]' }],
      },
      forbidden: ['Bearer b', 't2'],
    },
    {
      name: 'words that merely contain a secret word are kept',
      fields: { keyboard: 1, monkey: 2, tokenizer: 3, requestId: 'req_1', passwordless: true },
      expected: { keyboard: 1, monkey: 2, tokenizer: 3, requestId: 'req_1', passwordless: true },
      forbidden: ['[redacted]'],
    },
    {
      name: 'credentials in any string value',
      fields: {
        note: `used ${SK} and ${AK}`,
        deep: { list: [`Bearer ${MWT}`] },
        id: 'prj_7Hq2vW9xK3mN5pR8sT1u',
      },
      expected: {
        note: 'used sk_…wXyZ and ak_…6789',
        deep: { list: ['Bearer mwt_…wxyz'] },
        id: 'prj_7Hq2vW9xK3mN5pR8sT1u',
      },
      forbidden: [SK, AK, MWT],
    },
    {
      name: 'an Error, its message, stack and cause',
      fields: { error: new Error(`rejected ${SK}`, { cause: new Error(`from ${AK}`) }) },
      expected: {
        error: expect.objectContaining({
          type: 'Error',
          message: 'rejected sk_…wXyZ',
          stack: expect.stringContaining('rejected sk_…wXyZ'),
          cause: expect.objectContaining({ message: 'from ak_…6789' }),
        }),
      },
      forbidden: [SK, AK],
    },
    {
      name: 'an Error’s own secret-named properties',
      fields: { error: Object.assign(new TypeError('bad'), { code: 'E1', token: 't3' }) },
      expected: { error: expect.objectContaining({ type: 'TypeError', code: 'E1', token: '[redacted]' }) },
      forbidden: ['t3'],
    },
  ];

  for (const row of ROWS) {
    it(row.name, () => {
      const { logger, lines } = capture();
      logger.error('failed', row.fields);
      const [line] = lines();
      expect(line).toMatchObject(row.expected);
      const text = JSON.stringify(line);
      for (const secret of row.forbidden) expect(text).not.toContain(secret);
    });
  }

  it('masks credentials in the message and in child bindings', () => {
    const { logger, lines } = capture();
    logger.child({ caller: SK, token: 'x' }).info(`auth with ${SK}`);
    const [line] = lines();
    expect(line).toMatchObject({ msg: 'auth with sk_…wXyZ', caller: 'sk_…wXyZ', token: '[redacted]' });
    expect(JSON.stringify(line)).not.toContain(SK);
  });

  it('survives circular fields and leaves the caller’s object alone', () => {
    const { logger, lines } = capture();
    const fields: Record<string, unknown> = { name: 'loop', password: 'p' };
    fields.self = fields;
    logger.info('circular', fields);
    expect(lines()[0]).toMatchObject({ name: 'loop', self: '[circular]', password: '[redacted]' });
    expect(fields.password).toBe('p');
  });
});

describe('standard output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-logger-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const logger = fileURLToPath(new URL('../src/lib/logger.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

  function run(body: string): ChildProcess & { output: () => string } {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.mts`);
    writeFileSync(file, `import { createLogger } from ${JSON.stringify(logger)};\n${body}\n`);
    const child = spawn(tsx, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    return Object.assign(child, { output: () => out });
  }

  it('writes every buffered line, in order, when flushed before exit', async () => {
    const child = run(`
      const log = createLogger('info');
      for (let i = 0; i < 500; i++) log.info('line', { i });
      log.info('last');
      await log.flush();
      process.exit(0);
    `);
    await new Promise((resolve) => child.on('close', resolve));
    const lines = child
      .output()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.i)).toEqual([...Array.from({ length: 500 }, (_, i) => i), undefined]);
    expect(lines[500]).toMatchObject({ msg: 'last' });
  });

  it('writes every buffered line when the process exits without a flush', async () => {
    const child = run(`
      const log = createLogger('info');
      for (let i = 0; i < 500; i++) log.info('line', { i });
      process.exit(0);
    `);
    await new Promise((resolve) => child.on('close', resolve));
    const seen = child
      .output()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line).i as number);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('writes a lone line within a few seconds while the process keeps running', async () => {
    const child = run(`
      createLogger('info').info('lonely');
      setTimeout(() => {}, 20_000);
    `);
    try {
      const started = Date.now();
      while (!child.output().includes('lonely') && Date.now() - started < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(child.output()).toContain('"msg":"lonely"');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });
});
