// client.go (the Client and its namespaces), version.go, error_codes.go, doc.go and go.mod.
import type { ApiModel } from '../model/index.js';
import { goName } from './naming.js';
import { serviceName, serviceValue } from './operations.js';

/** The Go module path of the generated client. */
export const GO_MODULE = 'github.com/aerostack/aerostack-oss/clients/go';

export function renderClient(model: ApiModel): string {
  const tops = model.root.children;
  const fields = tops.flatMap((ns) => [
    ...(ns.description ? [`\t// ${goName(ns.path[0] ?? '')}: ${ns.description}`] : []),
    `\t${goName(ns.path[0] ?? '')} *${serviceName(ns)}`,
  ]);
  const values = tops.map((ns) => `\t\t${goName(ns.path[0] ?? '')}: ${serviceValue(ns, '\t\t')},`);
  return [
    'package aerostack',
    '',
    '// Client calls the Aerostack platform. Create one with New; it is safe for concurrent use.',
    'type Client struct {',
    ...fields,
    '}',
    '',
    '// New returns a client for the platform at baseURL (no trailing slash needed).',
    '//',
    `//\tclient := aerostack.New("${model.defaultServer}", aerostack.WithCredential(os.Getenv("AEROSTACK_SECRET_KEY")))`,
    'func New(baseURL string, opts ...Option) *Client {',
    '\tt := newTransport(baseURL, opts)',
    '\treturn &Client{',
    ...values,
    '\t}',
    '}',
  ].join('\n');
}

export function renderVersion(model: ApiModel): string {
  return [
    'package aerostack',
    '',
    '// Version is the version of the API this client was generated from.',
    `const Version = ${JSON.stringify(model.version)}`,
  ].join('\n');
}

export function renderErrorCodes(model: ApiModel): string {
  const lines = model.errorCodes.flatMap((c) => [
    `\t// ${goName(`code ${c.code}`)}: ${c.title} (${c.status}).${c.description ? ` ${c.description}` : ''}`,
    `\t${goName(`code ${c.code}`)} = ${JSON.stringify(c.code)}`,
  ]);
  return [
    'package aerostack',
    '',
    '// The error codes the platform documents; compare them with Error.Code.',
    'const (',
    ...lines,
    ')',
  ].join('\n');
}

export function renderDoc(model: ApiModel): string {
  return [
    `// Package aerostack is the Go client of ${model.title}.`,
    '//',
    ...(model.description ? [`// ${model.description}`, '//'] : []),
    '// Every operation of the API is a method on a namespace of Client, named after its',
    '// operationId: cache.get is client.Cache.Get, projects.keys.rotate is client.Projects.Keys.Rotate.',
    '// Failed calls return an *Error; use errors.As to read its Code, Status and RequestID.',
    'package aerostack',
  ].join('\n');
}

export function renderGoMod(): string {
  return `module ${GO_MODULE}\n\ngo 1.22\n`;
}
