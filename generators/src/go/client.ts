// client.go (the Client and its namespaces), runtime.go (the runtime's public names),
// version.go, error_codes.go, doc.go, go.mod and internal/behaviour/behaviour.go.
import type { ApiModel, ClientBehaviour } from '../model/index.js';
import { goName } from './naming.js';
import { serviceName, serviceValue } from './operations.js';

/** The Go module path of the generated client. */
export const GO_MODULE = 'github.com/aerostack/aerostack-oss/clients/go';

/** Where one generated Go package goes: its folder below clients/, its name, its import path. */
export interface GoPackage {
  dir: string;
  name: string;
  importPath: string;
  /** The API client (env defaults, go.mod, behaviour) rather than a test-only fixture client. */
  api: boolean;
}

export function renderClient(model: ApiModel, pkg: GoPackage): string {
  const tops = model.root.children;
  const fields = tops.flatMap((ns) => [
    ...(ns.description ? [`\t// ${goName(ns.path[0] ?? '')}: ${ns.description}`] : []),
    `\t${goName(ns.path[0] ?? '')} *${serviceName(ns)}`,
  ]);
  const values = tops.map((ns) => `\t\t${goName(ns.path[0] ?? '')}: ${serviceValue(ns, '\t\t')},`);
  return [
    `package ${pkg.name}`,
    '',
    'import (',
    '\t"context"',
    '\t"net/http"',
    '\t"net/url"',
    '\t"os"',
    '\t"slices"',
    '',
    `\t"${GO_MODULE}/internal/requestconfig"`,
    `\t"${GO_MODULE}/option"`,
    ')',
    '',
    '// Client calls the Aerostack platform. Create one with NewClient; it is safe for concurrent use.',
    'type Client struct {',
    "\t// Options apply to every call, before each call's own.",
    '\tOptions []option.RequestOption',
    ...fields,
    '}',
    '',
    '// DefaultClientOptions reads the environment: AEROSTACK_URL (the base URL) and',
    '// AEROSTACK_SECRET_KEY (the credential), and sets the User-Agent.',
    'func DefaultClientOptions() []option.RequestOption {',
    `\topts := []option.RequestOption{option.WithBaseURL(${JSON.stringify(model.defaultServer)}), option.WithHeader("User-Agent", "aerostack-go/"+Version)}`,
    '\tif url, ok := os.LookupEnv("AEROSTACK_URL"); ok && url != "" {',
    '\t\topts = append(opts, option.WithBaseURL(url))',
    '\t}',
    '\tif key, ok := os.LookupEnv("AEROSTACK_SECRET_KEY"); ok && key != "" {',
    '\t\topts = append(opts, option.WithSecretKey(key))',
    '\t}',
    '\treturn opts',
    '}',
    '',
    '// NewClient returns a client configured from the environment (DefaultClientOptions), then opts.',
    '//',
    `//\tclient := ${pkg.name}.NewClient(option.WithBaseURL("${model.defaultServer}"), option.WithSecretKey("sk_…"))`,
    'func NewClient(opts ...option.RequestOption) *Client {',
    '\topts = append(DefaultClientOptions(), opts...)',
    '\treturn &Client{',
    '\t\tOptions: opts,',
    ...values,
    '\t}',
    '}',
    '',
    '// Execute calls an endpoint this client has no method for, with the same credential,',
    '// options, retries and errors: body (nil for none) is sent as JSON and a JSON answer is',
    '// decoded into out (nil to ignore it). path is below the base URL and already escaped.',
    '//',
    '//\tvar health map[string]any',
    '//\terr := client.Execute(ctx, http.MethodGet, "/healthz", nil, &health)',
    'func (c *Client) Execute(ctx context.Context, method, path string, body, out any, opts ...option.RequestOption) error {',
    '\tr := &requestconfig.Request{Method: method, Path: path, Query: url.Values{}, Header: http.Header{}, Auth: true, JSON: body, HasJSON: body != nil}',
    '\treturn requestconfig.Do(ctx, r, out, slices.Concat(c.Options, opts)...)',
    '}',
  ].join('\n');
}

/** The runtime's public names in the package: the error, pagers, streams, files, Opt helpers. */
export function renderRuntime(model: ApiModel, pkg: GoPackage): string {
  const b = model.behaviour;
  return [
    `package ${pkg.name}`,
    '',
    'import (',
    '\t"io"',
    '\t"time"',
    '',
    `\t"${GO_MODULE}/internal/apierror"`,
    `\t"${GO_MODULE}/internal/pagination"`,
    `\t"${GO_MODULE}/internal/requestconfig"`,
    `\t"${GO_MODULE}/internal/ssestream"`,
    `\t"${GO_MODULE}/param"`,
    ')',
    '',
    '// Error is what every failed call returns; use errors.As to read its StatusCode, Code,',
    '// RequestID, Title and Detail.',
    '//',
    '//\tvar apiErr *aerostack.Error',
    '//\tif errors.As(err, &apiErr) && apiErr.Code == aerostack.CodeCacheNotFound { … }',
    'type Error = apierror.Error',
    '',
    '// FieldError is one problem with one field of an invalid request (Error.Errors).',
    'type FieldError = apierror.FieldError',
    '',
    '// Pager walks a cursor-paginated list; get one from a …AutoPaging method.',
    'type Pager[T any] = pagination.Pager[T]',
    '',
    '// Stream is a server-sent event stream with Next, Current, Err and Close.',
    'type Stream[E any] = ssestream.Stream[E]',
    '',
    '// BinaryResponse is a download: an io.ReadCloser with the status and headers (Content-Range, ETag).',
    'type BinaryResponse = requestconfig.BinaryResponse',
    '',
    '// File is a file part of a multipart form.',
    'type File = requestconfig.File',
    '',
    '// NewFile returns a file part reading r, named name, of the given content type ("" for',
    '// application/octet-stream).',
    '//',
    '//\taerostack.NewFile(f, "report.pdf", "application/pdf")',
    'func NewFile(r io.Reader, name, contentType string) File {',
    '\treturn File{Reader: r, Name: name, ContentType: contentType}',
    '}',
    '',
    '// The error codes of a call that got no usable answer (spec/clients/behaviour.json).',
    'const (',
    '\t// CodeClientNetwork: the platform could not be reached, or the connection broke.',
    `\tCodeClientNetwork = ${JSON.stringify(b.clientErrors.network)}`,
    '\t// CodeClientTimeout: the call timed out.',
    `\tCodeClientTimeout = ${JSON.stringify(b.clientErrors.timeout)}`,
    '\t// CodeClientInvalidResponse: the answer was not what the API declares.',
    `\tCodeClientInvalidResponse = ${JSON.stringify(b.clientErrors.invalidResponse)}`,
    '\t// CodeClientAborted: the caller cancelled the call.',
    `\tCodeClientAborted = ${JSON.stringify(b.clientErrors.aborted)}`,
    ')',
    '',
    '// String returns an Opt holding v, for optional fields and parameters.',
    '//',
    '//\taerostack.String("x")',
    'func String(v string) param.Opt[string] { return param.NewOpt(v) }',
    '',
    '// Int returns an Opt holding v.',
    '//',
    '//\taerostack.CacheSet{Value: 1, TTLSeconds: aerostack.Int(60)}',
    'func Int(v int64) param.Opt[int64] { return param.NewOpt(v) }',
    '',
    '// Float returns an Opt holding v.',
    'func Float(v float64) param.Opt[float64] { return param.NewOpt(v) }',
    '',
    '// Bool returns an Opt holding v.',
    'func Bool(v bool) param.Opt[bool] { return param.NewOpt(v) }',
    '',
    '// Time returns an Opt holding v.',
    'func Time(v time.Time) param.Opt[time.Time] { return param.NewOpt(v) }',
    '',
    '// Null returns an Opt sent as JSON null.',
    '//',
    '//\taerostack.Null[int64]()',
    'func Null[T any]() param.Opt[T] { return param.Null[T]() }',
  ].join('\n');
}

export function renderVersion(model: ApiModel, pkg: GoPackage): string {
  return [
    `package ${pkg.name}`,
    '',
    '// Version is the version of the API this client was generated from.',
    `const Version = ${JSON.stringify(model.version)}`,
  ].join('\n');
}

export function renderErrorCodes(model: ApiModel, pkg: GoPackage): string {
  const lines = model.errorCodes.flatMap((c) => [
    `\t// ${goName(`code ${c.code}`)}: ${c.title} (${c.status}).${c.description ? ` ${c.description}` : ''}`,
    `\t${goName(`code ${c.code}`)} = ${JSON.stringify(c.code)}`,
  ]);
  return [
    `package ${pkg.name}`,
    '',
    '// The error codes the platform documents; compare them with Error.Code.',
    'const (',
    ...lines,
    ')',
  ].join('\n');
}

export function renderDoc(model: ApiModel, pkg: GoPackage): string {
  return [
    `// Package ${pkg.name} is the Go client of ${model.title}${pkg.api ? '' : ' (the test-only fixture operations)'}.`,
    '//',
    ...(model.description ? [`// ${model.description}`, '//'] : []),
    `//\tclient := ${pkg.name}.NewClient(option.WithBaseURL("${model.defaultServer}"), option.WithSecretKey("sk_…"))`,
    '//\tentry, err := client.Cache.Get(ctx, "theme", option.WithMaxRetries(0))',
    '//',
    '// Every operation of the API is a method on a namespace of Client, named after its',
    '// operationId: cache.get is client.Cache.Get, projects.keys.rotate is client.Projects.Keys.Rotate.',
    '// Failed calls return an *Error; use errors.As to read its Code, StatusCode and RequestID.',
    `package ${pkg.name}`,
  ].join('\n');
}

export function renderGoMod(): string {
  return `module ${GO_MODULE}\n\ngo 1.24\n`;
}

/** internal/behaviour/behaviour.go: spec/clients/behaviour.json as constants. */
export function renderBehaviour(b: ClientBehaviour): string {
  const { retry } = b;
  return [
    '// Package behaviour holds spec/clients/behaviour.json as constants: what every Aerostack',
    '// client does around a call (spec/clients/README.md).',
    'package behaviour',
    '',
    '// Retries: how many, and how long to wait.',
    'const (',
    `\tMaxRetries = ${retry.maxRetries}`,
    `\tRetryServerErrors = ${retry.retryServerErrors}`,
    `\tBackoffInitialMs = ${retry.backoff.initialMs}`,
    `\tBackoffMultiplier = ${retry.backoff.multiplier}`,
    `\tBackoffMaxMs = ${retry.backoff.maxMs}`,
    `\tBackoffJitter = ${retry.backoff.jitter}`,
    `\tRetryAfterCapMs = ${retry.retryAfter.capMs}`,
    ')',
    '',
    '// RetryStatuses are retried when the call is safe to repeat.',
    `var RetryStatuses = []int{${retry.retryStatuses.join(', ')}}`,
    '',
    '// IdempotentMethods are safe to repeat without an Idempotency-Key.',
    `var IdempotentMethods = []string{${retry.idempotentMethods.map((m) => JSON.stringify(m)).join(', ')}}`,
    '',
    '// Headers, the idempotency key prefix and the client-side error codes.',
    'const (',
    `\tIdempotencyHeader = ${JSON.stringify(b.idempotency.header)}`,
    `\tIdempotencyKeyPrefix = ${JSON.stringify(b.idempotency.keyPrefix)}`,
    `\tRequestIDHeader = ${JSON.stringify(b.requestIdHeader)}`,
    `\tCodeNetwork = ${JSON.stringify(b.clientErrors.network)}`,
    `\tCodeTimeout = ${JSON.stringify(b.clientErrors.timeout)}`,
    `\tCodeInvalidResponse = ${JSON.stringify(b.clientErrors.invalidResponse)}`,
    `\tCodeAborted = ${JSON.stringify(b.clientErrors.aborted)}`,
    ')',
  ].join('\n');
}
