// aerostack/_client.py (the Aerostack class), __init__.py, error_codes.py, _version.py and
// resources/__init__.py.
import type { ApiModel } from '../model/index.js';
import { screamingSnakeCase } from '../naming.js';
import { pyClass, pyDocstring, pyName } from './naming.js';
import { resourceName } from './resources.js';

export function renderClient(model: ApiModel): string {
  const tops = model.root.children;
  const imports = tops.map((ns) => `from .resources.${pyName(ns.path[0] ?? '')} import ${resourceName(ns)}`);
  const attributes = tops.flatMap((ns) => [
    `        self.${pyName(ns.path[0] ?? '')} = ${resourceName(ns)}(self._transport)`,
    ...pyDocstring('        ', ns.description ? [ns.description] : []),
  ]);
  return [
    '"""The client: one attribute per namespace of the API."""',
    '',
    'from __future__ import annotations',
    '',
    'from types import TracebackType',
    'from typing import Mapping, Optional, Type',
    '',
    'import httpx',
    '',
    'from ._transport import Transport',
    ...imports,
    '',
    '',
    'class Aerostack:',
    ...pyDocstring('    ', [
      `A client of ${model.title}.`,
      '',
      'Operations are methods on namespaces named after their operationId: ``cache.get`` is',
      '``client.cache.get()``, ``projects.keys.rotate`` is ``client.projects.keys.rotate()``.',
      'Failed calls raise :class:`aerostack.AerostackError` (or a subclass).',
      '',
      'Example::',
      '',
      '    from aerostack import Aerostack',
      '',
      `    with Aerostack("${model.defaultServer}", credential="sk_...") as client:`,
      '        client.cache.set("greeting", "hello", ttl_seconds=60)',
    ]),
    '',
    '    def __init__(',
    '        self,',
    '        base_url: str,',
    '        *,',
    '        credential: Optional[str] = None,',
    '        timeout: float = 30.0,',
    '        max_retries: int = 2,',
    '        headers: Optional[Mapping[str, str]] = None,',
    '        http_client: Optional[httpx.Client] = None,',
    '    ) -> None:',
    ...pyDocstring('        ', [
      'Create a client for the platform at ``base_url``.',
      '',
      '``credential`` is an account key (``ak_``), a project secret key (``sk_``) or a',
      'publishable key (``pk_``), sent as ``Authorization: Bearer``. ``timeout`` bounds each',
      'attempt in seconds; ``max_retries`` is how often a retryable call is retried.',
      '',
      'Example::',
      '',
      `    client = Aerostack("${model.defaultServer}", credential=os.environ["AEROSTACK_SECRET_KEY"])`,
    ]),
    '        self._transport = Transport(',
    '            base_url,',
    '            credential=credential,',
    '            timeout=timeout,',
    '            max_retries=max_retries,',
    '            headers=headers,',
    '            http_client=http_client,',
    '        )',
    ...attributes,
    '',
    '    def close(self) -> None:',
    '        """Close the connections of the underlying HTTP client (unless it was passed in)."""',
    '        self._transport.close()',
    '',
    '    def __enter__(self) -> Aerostack:',
    '        return self',
    '',
    '    def __exit__(',
    '        self,',
    '        exc_type: Optional[Type[BaseException]],',
    '        exc: Optional[BaseException],',
    '        traceback: Optional[TracebackType],',
    '    ) -> None:',
    '        self.close()',
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
      'The documented values of :attr:`AerostackError.code`; newer platforms may send others.',
      '',
      'Example::',
      '',
      '    except AerostackError as error:',
      '        if error.code == ErrorCode.CACHE_NOT_FOUND:',
      '            ...',
    ]),
    '',
    ...lines,
  ].join('\n');
}

const ERROR_EXPORTS = [
  'AerostackError',
  'APIConnectionError',
  'APITimeoutError',
  'AuthenticationError',
  'BadRequestError',
  'ConflictError',
  'InternalServerError',
  'NotFoundError',
  'PermissionDeniedError',
  'RateLimitError',
  'UnprocessableEntityError',
];

export function renderInit(model: ApiModel): string {
  const types = model.types.map((t) => pyClass(t.name));
  const names = ['Aerostack', 'ErrorCode', '__version__', ...ERROR_EXPORTS, ...types];
  return [
    `"""The Python client of ${model.title}.`,
    '',
    'This is the public API: everything in ``__all__``.',
    '"""',
    '',
    'from ._client import Aerostack',
    'from ._version import __version__',
    'from .error_codes import ErrorCode',
    'from .errors import (',
    ...ERROR_EXPORTS.map((e) => `    ${e},`),
    ')',
    'from .models import (',
    ...types.map((t) => `    ${t},`),
    ')',
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
