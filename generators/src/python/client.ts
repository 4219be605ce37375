// aerostack/_client.py (Aerostack and AsyncAerostack), __init__.py, error_codes.py,
// _version.py, _behaviour.py, _operations.py and resources/__init__.py.
import { type ApiModel, descendants, type Namespace } from '../model/index.js';
import { screamingSnakeCase, snakeCase } from '../naming.js';
import { runtimeModule } from './models.js';
import { pyClass, pyDocstring, pyImport, pyName } from './naming.js';
import { argumentsOf, resourceName } from './resources.js';

type Target = 'api' | 'fixtures';

function clientClass(model: ApiModel, mode: 'sync' | 'async', target: Target): string[] {
  const tops = model.root.children;
  const name = mode === 'async' ? 'AsyncAerostack' : 'Aerostack';
  const base = mode === 'async' ? 'AsyncAPIClient' : 'SyncAPIClient';
  const example =
    mode === 'async'
      ? [
          '    from aerostack import AsyncAerostack',
          '',
          '    async with AsyncAerostack() as client:  # AEROSTACK_URL, AEROSTACK_SECRET_KEY',
          '        entry = await client.cache.get("greeting")',
        ]
      : [
          '    from aerostack import Aerostack',
          '',
          '    with Aerostack() as client:  # AEROSTACK_URL, AEROSTACK_SECRET_KEY',
          '        client.cache.set("greeting", value="hello", ttl_seconds=60)',
        ];
  const lines = [
    `class ${name}(${base}):`,
    ...pyDocstring('    ', [
      `${mode === 'async' ? 'An async' : 'A'} client of ${model.title}${target === 'fixtures' ? ' (test-only fixture operations)' : ''}.`,
      '',
      'Operations are methods on namespaces named after their operationId: ``cache.get`` is',
      '``client.cache.get()``, ``projects.keys.rotate`` is ``client.projects.keys.rotate()``.',
      '``base_url`` defaults to ``$AEROSTACK_URL`` and the credential to ``$AEROSTACK_SECRET_KEY``;',
      'failed calls raise :class:`aerostack.APIError` (or a subclass).',
      '',
      'Example::',
      '',
      ...example,
    ]),
    '',
    `    default_base_url = ${JSON.stringify(model.defaultServer)}`,
  ];
  for (const ns of tops) {
    lines.push(
      '',
      '    @cached_property',
      `    def ${pyName(ns.path[0] ?? '')}(self) -> ${resourceName(ns, mode)}:`,
      ...pyDocstring('        ', [ns.description ?? `The \`\`${ns.path[0]}\`\` operations.`]),
      `        return ${resourceName(ns, mode)}(self)`,
    );
  }
  lines.push(
    '',
    '    @cached_property',
    `    def with_raw_response(self) -> ${name}WithRawResponse:`,
    ...pyDocstring('        ', [
      'The same namespaces, whose methods answer the raw response: status, headers, ``parse()``.',
      '',
      'Example::',
      '',
      `    raw = ${mode === 'async' ? 'await ' : ''}client.with_raw_response.cache.get("greeting")`,
      `    print(raw.status_code, raw.headers["x-request-id"], ${mode === 'async' ? 'await ' : ''}raw.parse())`,
    ]),
    `        return ${name}WithRawResponse(self)`,
  );
  return lines;
}

function rawClientClass(model: ApiModel, mode: 'sync' | 'async'): string[] {
  const name = mode === 'async' ? 'AsyncAerostack' : 'Aerostack';
  return [
    `class ${name}WithRawResponse:`,
    `    """\`\`${name}.with_raw_response\`\`."""`,
    '',
    `    def __init__(self, client: ${name}) -> None:`,
    ...model.root.children.map(
      (ns) =>
        `        self.${pyName(ns.path[0] ?? '')} = ${resourceName(ns, mode, 'WithRawResponse')}(client.${pyName(ns.path[0] ?? '')})`,
    ),
    ...(model.root.children.length === 0 ? ['        pass'] : []),
  ];
}

export function renderClient(model: ApiModel, target: Target = 'api'): string {
  const tops = model.root.children;
  const imports = tops.flatMap((ns) =>
    pyImport(`.resources.${pyName(ns.path[0] ?? '')}`, [
      resourceName(ns, 'async'),
      resourceName(ns, 'async', 'WithRawResponse'),
      resourceName(ns),
      resourceName(ns, 'sync', 'WithRawResponse'),
    ]),
  );
  return [
    '"""The clients: one attribute per namespace of the API."""',
    '',
    'from __future__ import annotations',
    '',
    'from functools import cached_property',
    '',
    `from ${runtimeModule(target, '_base_client', 1)} import AsyncAPIClient, SyncAPIClient`,
    ...imports,
    '',
    '__all__ = ["Aerostack", "AsyncAerostack"]',
    '',
    '',
    clientClass(model, 'sync', target).join('\n'),
    '',
    '',
    clientClass(model, 'async', target).join('\n'),
    '',
    '',
    rawClientClass(model, 'sync').join('\n'),
    '',
    '',
    rawClientClass(model, 'async').join('\n'),
  ].join('\n');
}

export function renderErrorCodes(model: ApiModel): string {
  const lines = model.errorCodes.flatMap((c) => [
    `    ${screamingSnakeCase(c.code)} = ${JSON.stringify(c.code)}`,
    ...pyDocstring('    ', [`${c.title} (${c.status}).${c.description ? ` ${c.description}` : ''}`]),
  ]);
  return [
    '"""The error codes the platform documents."""',
    '',
    '',
    'class ErrorCode:',
    ...pyDocstring('    ', [
      'The documented values of :attr:`APIError.code`; newer platforms may send others.',
      '',
      'Example::',
      '',
      '    except APIError as error:',
      '        if error.code == ErrorCode.CACHE_NOT_FOUND:',
      '            ...',
    ]),
    ...(lines.length > 0 ? ['', ...lines] : []),
  ].join('\n');
}

const RUNTIME_EXPORTS: [string, string[]][] = [
  ['._base_client', ['DEFAULT_TIMEOUT', 'RequestOptions']],
  ['._pagination', ['AsyncPager', 'SyncPager']],
  ['._response', ['APIResponse', 'AsyncAPIResponse', 'AsyncBinaryResponse', 'BinaryResponse']],
  ['._streaming', ['AsyncStream', 'ServerSentEvent', 'Stream']],
  ['._types', ['NOT_GIVEN', 'AsyncContent', 'FileTypes', 'NotGiven', 'SyncContent']],
  [
    '.errors',
    [
      'APIConnectionError',
      'APIError',
      'APIResponseValidationError',
      'APIStatusError',
      'APITimeoutError',
      'AerostackError',
      'AuthenticationError',
      'BadRequestError',
      'ConflictError',
      'InternalServerError',
      'NotFoundError',
      'PermissionDeniedError',
      'RateLimitError',
      'UnprocessableEntityError',
    ],
  ],
];

export function renderInit(model: ApiModel, target: Target = 'api'): string {
  const types = model.types.map((t) => pyClass(t.name));
  if (target === 'fixtures') {
    return [
      `"""A client of the platform's test-only fixture operations, on the aerostack runtime."""`,
      '',
      'from ._client import Aerostack, AsyncAerostack',
      ...(types.length > 0 ? pyImport('.models', types) : []),
      '',
      '__all__ = [',
      ...['Aerostack', 'AsyncAerostack', ...types].map((n) => `    ${JSON.stringify(n)},`),
      ']',
    ].join('\n');
  }
  const runtime = RUNTIME_EXPORTS.flatMap(([, names]) => names);
  const names = ['Aerostack', 'AsyncAerostack', 'ErrorCode', '__version__', ...runtime, ...types];
  return [
    `"""The Python client of ${model.title}.`,
    '',
    'This is the public API: everything in ``__all__``.',
    '"""',
    '',
    ...RUNTIME_EXPORTS.flatMap(([module, list]) => pyImport(module, list)),
    'from ._client import Aerostack, AsyncAerostack',
    'from ._version import __version__',
    'from .error_codes import ErrorCode',
    ...(types.length > 0 ? pyImport('.models', types) : []),
    '',
    '__all__ = [',
    ...names.map((n) => `    ${JSON.stringify(n)},`),
    ']',
  ].join('\n');
}

export function renderVersion(model: ApiModel): string {
  return [
    '"""The version of the API this client was generated from."""',
    '',
    `__version__ = ${JSON.stringify(model.version)}`,
  ].join('\n');
}

export function renderResourcesInit(): string {
  return '"""One module per namespace of the API."""';
}

function pyValue(value: unknown): { text: string; hint: string } {
  if (typeof value === 'boolean') return { text: value ? 'True' : 'False', hint: 'bool' };
  if (typeof value === 'number')
    return { text: String(value), hint: Number.isInteger(value) ? 'int' : 'float' };
  if (typeof value === 'string') return { text: JSON.stringify(value), hint: 'str' };
  if (Array.isArray(value)) {
    const items = value.map(pyValue);
    const hint = items[0]?.hint ?? 'object';
    return {
      text: `(${items.map((i) => i.text).join(', ')}${items.length === 1 ? ',' : ''})`,
      hint: `Tuple[${hint}, ...]`,
    };
  }
  throw new Error(`behaviour.json: cannot emit ${JSON.stringify(value)} as a Python constant`);
}

/** _behaviour.py: spec/clients/behaviour.json flattened into constants (`retry.backoff.maxMs` → `RETRY_BACKOFF_MAX_MS`). */
export function renderBehaviour(model: ApiModel): string {
  const lines: string[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) if (!key.startsWith('$')) walk(inner, [...path, key]);
      return;
    }
    const { text, hint } = pyValue(value);
    lines.push(`${snakeCase(path.join('.')).toUpperCase()}: ${hint} = ${text}`);
  };
  walk(model.behaviour, []);
  return [
    '"""Client behaviour from spec/clients/behaviour.json: retries, idempotency keys, error codes."""',
    '',
    ...(lines.some((l) => l.includes('Tuple[')) ? ['from typing import Tuple', ''] : []),
    ...lines,
  ].join('\n');
}

/**
 * _operations.py: operationId → where the method lives and how wire names map to its
 * arguments, for the scenario runner (tests/test_scenarios.py) that calls the public API.
 */
export function renderOperations(model: ApiModel): string {
  const entries = model.operations.map((op) => {
    const args = argumentsOf(op).map(
      (a) => `(${JSON.stringify(a.where)}, ${JSON.stringify(a.wire)}, ${JSON.stringify(a.name)})`,
    );
    const parts = [
      `"namespace": (${op.namespace.map((n) => JSON.stringify(pyName(n))).join(', ')}${op.namespace.length === 1 ? ',' : ''})`,
      `"method": ${JSON.stringify(pyName(op.name))}`,
      `"arguments": (${args.join(', ')}${args.length === 1 ? ',' : ''})`,
      `"result": ${JSON.stringify(op.response.kind)}`,
      `"pager": ${op.pagination ? JSON.stringify(`${pyName(op.name)}_all`) : 'None'}`,
    ];
    return `    ${JSON.stringify(op.id)}: {${parts.join(', ')}},`;
  });
  return [
    '"""operationId → namespace path, method, and (where, wire name, argument name) of each',
    'argument: ``where`` is path, query, header, field (a JSON body property), part (a multipart',
    'field), body (the whole JSON body) or content (uploaded bytes). For the scenario runner."""',
    '',
    'from typing import Any, Dict',
    '',
    'OPERATIONS: Dict[str, Dict[str, Any]] = {',
    ...entries,
    '}',
  ].join('\n');
}

export function namespacesOf(model: ApiModel): Namespace[] {
  return model.root.children.flatMap((top) => [top, ...descendants(top)]);
}
