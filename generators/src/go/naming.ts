// Go identifiers: exported names in PascalCase with Go's initialisms (ID, URL, API…).
import { safeIdentifier, words } from '../naming.js';

const INITIALISMS = new Set([
  'acl',
  'ai',
  'api',
  'ascii',
  'cpu',
  'css',
  'dns',
  'eof',
  'guid',
  'html',
  'http',
  'https',
  'id',
  'ip',
  'json',
  'jwt',
  'mcp',
  'rpc',
  'sdk',
  'sql',
  'sse',
  'ssh',
  'tcp',
  'tls',
  'ttl',
  'udp',
  'ui',
  'uid',
  'uri',
  'url',
  'utf8',
  'uuid',
  'xml',
]);

const RESERVED = new Set([
  'break',
  'case',
  'chan',
  'const',
  'continue',
  'default',
  'defer',
  'else',
  'fallthrough',
  'for',
  'func',
  'go',
  'goto',
  'if',
  'import',
  'interface',
  'map',
  'package',
  'range',
  'return',
  'select',
  'struct',
  'switch',
  'type',
  'var',
  'ctx',
  'body',
  'params',
  'out',
  'err',
  'r',
  's',
]);

function goWord(word: string): string {
  return INITIALISMS.has(word) ? word.toUpperCase() : word.charAt(0).toUpperCase() + word.slice(1);
}

/** An exported Go name: `projectId` → `ProjectID`, `ApiKey` → `APIKey`. */
export function goName(name: string): string {
  const out = words(name).map(goWord).join('');
  return /^[0-9]/.test(out) ? `V${out}` : out;
}

/** An unexported Go name for a parameter: `projectId` → `projectID`, `type` → `typeParam`. */
export function goParam(name: string): string {
  const [first = '', ...rest] = words(name);
  return safeIdentifier(first + rest.map(goWord).join(''), RESERVED, 'Param');
}
