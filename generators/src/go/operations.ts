// One Go file per top-level namespace: its service types, their methods, the params structs of
// operations that take query or header parameters, form structs and event types.
import { descendants, type Namespace, type Operation, type Param } from '../model/index.js';
import { textLines, thirdPerson } from '../naming.js';
import { goName, goParam } from './naming.js';
import { fieldDoc, fieldGoType, goType, importBlock, importsFor } from './types.js';

/** `ProjectsKeysService` for the namespace `projects.keys`. */
export function serviceName(ns: Namespace): string {
  return `${goName(ns.path.join('.'))}Service`;
}

export const paramsName = (op: Operation) => `${goName(op.id)}Params`;
export const formName = (op: Operation) => `${goName(op.id)}Body`;
export const eventName = (op: Operation) => `${goName(op.id)}Event`;
export const optionParams = (op: Operation) => op.params.filter((p) => p.location !== 'path');
export const pathParams = (op: Operation) => op.params.filter((p) => p.location === 'path');
/** The Go method call path: `Projects.Keys.Rotate`. */
export const methodPath = (op: Operation) => [...op.namespace, op.name].map(goName).join('.');

/** A query or header parameter: required ones are plain values, optional ones `param.Opt`, arrays slices. */
export function paramType(p: Param, q = ''): string {
  if (p.type.kind === 'array') return goType(p.type, q);
  return p.required ? goType(p.type, q) : `param.Opt[${goType(p.type, q)}]`;
}

/** The Go value written into a URL or header for `expr`, a value of `p`'s type. */
function formatted(type: Param['type'], expr: string): string {
  if (type.kind === 'string') return expr;
  if (type.kind === 'named') return `string(${expr})`;
  return `requestconfig.Format(${expr})`;
}

function renderPath(op: Operation): string {
  const parts = op.path.split(/(\{[^}]+\})/).filter((s) => s.length > 0);
  return parts
    .map((part) => {
      const name = /^\{(.+)\}$/.exec(part)?.[1];
      if (!name) return JSON.stringify(part);
      const param = op.params.find((p) => p.location === 'path' && p.wireName === name);
      return `url.PathEscape(${formatted(param?.type ?? { kind: 'string' }, goParam(name))})`;
    })
    .join(' + ');
}

function setParam(p: Param): string[] {
  const target = p.location === 'query' ? 'r.Query' : 'r.Header';
  const field = `params.${goName(p.wireName)}`;
  const wire = JSON.stringify(p.wireName);
  if (p.type.kind === 'array') {
    const item = p.type.items;
    return [`\tfor _, v := range ${field} {`, `\t\t${target}.Add(${wire}, ${formatted(item, 'v')})`, '\t}'];
  }
  if (p.required) return [`\t${target}.Set(${wire}, ${formatted(p.type, field)})`];
  return [
    `\tif ${field}.Valid() {`,
    `\t\t${target}.Set(${wire}, ${formatted(p.type, `${field}.Value`)})`,
    '\t}',
  ];
}

/** The Go type of the body argument. */
function bodyType(op: Operation, q = ''): string | undefined {
  const body = op.body;
  if (!body) return undefined;
  if (body.kind === 'bytes') return 'io.Reader';
  if (body.kind === 'multipart') return `${q}${formName(op)}`;
  const t = goType(body.type, q);
  return body.required || t.startsWith('[]') || t.startsWith('map[') || t === 'any' ? t : `*${t}`;
}

function resultType(op: Operation): string {
  switch (op.response.kind) {
    case 'empty':
      return 'error';
    case 'events':
      return `*Stream[${eventName(op)}]`;
    case 'bytes':
      return '(*BinaryResponse, error)';
    case 'json': {
      const type = op.response.type;
      return type.kind === 'named' ? `(*${goType(type)}, error)` : `(${goType(type)}, error)`;
    }
  }
}

function signatureArgs(op: Operation): string[] {
  const args = [
    'ctx context.Context',
    ...pathParams(op).map((p) => `${goParam(p.wireName)} ${goType(p.type)}`),
  ];
  const body = bodyType(op);
  if (body) args.push(`body ${body}`);
  if (optionParams(op).length > 0) args.push(`params *${paramsName(op)}`);
  args.push('opts ...option.RequestOption');
  return args;
}

function callExample(op: Operation, pkg: string): string {
  const args = ['ctx', ...pathParams(op).map((p) => goParam(p.wireName))];
  const body = op.body;
  if (body?.kind === 'bytes') args.push('file');
  else if (body?.kind === 'multipart') args.push(`${pkg}.${formName(op)}{}`);
  else if (body) args.push(body.required ? `${pkg}.${goType(body.type)}{}` : 'nil');
  if (optionParams(op).length > 0) args.push('nil');
  const call = `client.${methodPath(op)}(${args.join(', ')})`;
  switch (op.response.kind) {
    case 'empty':
      return `err := ${call}`;
    case 'events':
      return `stream := ${call}`;
    default:
      return `res, err := ${call}`;
  }
}

function methodDoc(op: Operation, method: string, pkg: string): string[] {
  const lines = [`${method} ${op.summary ? thirdPerson(op.summary) : `calls ${op.id}.`}`];
  const description = textLines(op.description);
  if (description.length > 0) lines.push('', ...description);
  lines.push('', `${op.method} ${op.path}`, '', `\t${callExample(op, pkg)}`);
  if (op.response.kind === 'events') {
    lines.push(
      '\tdefer stream.Close()',
      '\tfor stream.Next() {',
      '\t\tev := stream.Current()',
      '\t}',
      '\terr := stream.Err()',
    );
  }
  if (op.response.kind === 'bytes') lines.push('\tdefer res.Close()');
  if (op.deprecated) lines.push('', 'Deprecated: this operation will be removed in a future version.');
  return lines.map((l) => `//${l ? ` ${l}` : ''}`);
}

/** The statements that build `r`, the request of one call. */
function buildRequest(op: Operation, ensureParams = true): string[] {
  const fields = [
    `Method: http.Method${op.method.charAt(0)}${op.method.slice(1).toLowerCase()}`,
    `Path: ${renderPath(op)}`,
    'Query: url.Values{}',
    'Header: http.Header{}',
    `Auth: ${op.auth}`,
  ];
  if (op.idempotencyKey) fields.push('IdempotencyKey: true');
  const body = op.body;
  if (body && body.mediaType !== 'application/json' && body.kind !== 'multipart') {
    fields.push(`ContentType: ${JSON.stringify(body.mediaType)}`);
  }
  if (op.response.kind === 'events') fields.push('Accept: "text/event-stream"');
  if (op.response.kind === 'bytes') {
    fields.push(
      `Accept: ${JSON.stringify([...op.response.mediaTypes, 'application/problem+json'].join(', '))}`,
    );
    const extra = op.response.statuses.filter((s) => s < 200 || s > 299);
    if (extra.length > 0) fields.push(`Statuses: []int{${extra.join(', ')}}`);
  }
  if (op.response.kind === 'events' && op.response.emptyStatuses.some((s) => s < 200 || s > 299)) {
    fields.push(`Statuses: []int{${op.response.emptyStatuses.filter((s) => s < 200 || s > 299).join(', ')}}`);
  }
  const lines = [`\tr := &requestconfig.Request{${fields.join(', ')}}`];
  if (body?.kind === 'json') {
    const type = bodyType(op) ?? '';
    if (body.required || !type.startsWith('*')) {
      const nilable = type.startsWith('[]') || type.startsWith('map[') || type === 'any';
      lines.push(
        nilable && !body.required
          ? '\tr.JSON, r.HasJSON = body, body != nil'
          : '\tr.JSON, r.HasJSON = body, true',
      );
    } else {
      lines.push('\tif body != nil {', '\t\tr.JSON, r.HasJSON = body, true', '\t}');
    }
  }
  if (body?.kind === 'bytes') lines.push('\tr.Reader = body');
  if (body?.kind === 'multipart') lines.push('\tr.Form = body.parts()');
  const options = optionParams(op);
  if (options.length > 0) {
    if (ensureParams) lines.push('\tif params == nil {', `\t\tparams = &${paramsName(op)}{}`, '\t}');
    lines.push(...options.flatMap(setParam));
  }
  return lines;
}

function renderMethod(ns: Namespace, op: Operation, pkg: string): string[] {
  const method = goName(op.name);
  const head = [
    ...methodDoc(op, method, pkg),
    `func (s *${serviceName(ns)}) ${method}(${signatureArgs(op).join(', ')}) ${resultType(op)} {`,
  ];
  const opts = 'slices.Concat(s.Options, opts)...';
  const response = op.response;
  switch (response.kind) {
    case 'empty':
      return [...head, ...buildRequest(op), `\treturn requestconfig.Do(ctx, r, nil, ${opts})`, '}'];
    case 'bytes':
      return [
        ...head,
        ...buildRequest(op),
        `\tres, err := requestconfig.Open(ctx, r, ${opts})`,
        '\tif err != nil {',
        '\t\treturn nil, err',
        '\t}',
        '\treturn requestconfig.NewBinaryResponse(res), nil',
        '}',
      ];
    case 'events': {
      const lastEventID = optionParams(op).find(
        (p) => p.location === 'header' && p.wireName.toLowerCase() === 'last-event-id',
      );
      const start = lastEventID ? `params.${goName(lastEventID.wireName)}.Or("")` : '""';
      return [
        ...head,
        ...(optionParams(op).length > 0
          ? ['\tif params == nil {', `\t\tparams = &${paramsName(op)}{}`, '\t}']
          : []),
        '\tall := slices.Concat(s.Options, opts)',
        // Every reconnection of one stream carries the same idempotency key.
        ...(op.idempotencyKey ? ['\tkey := requestconfig.NewIdempotencyKey()'] : []),
        `\tconnect := func(ctx context.Context, lastEventID string) (*http.Response, error) {`,
        ...buildRequest(op, false).map((l) => `\t${l}`),
        ...(op.idempotencyKey
          ? [
              '\t\tif r.Header.Get("Idempotency-Key") == "" {',
              '\t\t\tr.Header.Set("Idempotency-Key", key)',
              '\t\t}',
            ]
          : []),
        '\t\tif lastEventID != "" {',
        '\t\t\tr.Header.Set("Last-Event-ID", lastEventID)',
        '\t\t}',
        '\t\treturn requestconfig.Open(ctx, r, all...)',
        '\t}',
        // Without a Last-Event-ID to take, the operation cannot resume: a new request would
        // start over (an AI generation), so its stream is never reconnected.
        `\treturn ssestream.New(ctx, ${start}, all, connect, decode${eventName(op)})${lastEventID ? '' : '.Once()'}`,
        '}',
      ];
    }
    case 'json': {
      const named = response.type.kind === 'named';
      return [
        ...head,
        ...buildRequest(op),
        `\tvar out ${goType(response.type)}`,
        `\tif err := requestconfig.Do(ctx, r, &out, ${opts}); err != nil {`,
        `\t\treturn ${named ? 'nil' : 'out'}, err`,
        '\t}',
        `\treturn ${named ? '&out' : 'out'}, nil`,
        '}',
      ];
    }
  }
}

function renderPager(ns: Namespace, op: Operation): string[] {
  if (!op.pagination) return [];
  const method = `${goName(op.name)}AutoPaging`;
  const item = goType(op.pagination.item);
  const path = pathParams(op).map((p) => goParam(p.wireName));
  const args = [
    'ctx context.Context',
    ...pathParams(op).map((p) => `${goParam(p.wireName)} ${goType(p.type)}`),
    `params *${paramsName(op)}`,
    'opts ...option.RequestOption',
  ];
  const call = `client.${op.namespace.map(goName).join('.')}.${method}(${['ctx', ...path, 'nil'].join(', ')})`;
  return [
    `// ${method} iterates over every item of ${goName(op.name)}, fetching pages as it goes.`,
    '//',
    `//\tit := ${call}`,
    '//\tfor it.Next() {',
    '//\t\titem := it.Current()',
    '//\t}',
    '//\tif err := it.Err(); err != nil {',
    '//\t\treturn err',
    '//\t}',
    `func (s *${serviceName(ns)}) ${method}(${args.join(', ')}) *Pager[${item}] {`,
    `\tp := ${paramsName(op)}{}`,
    '\tif params != nil {',
    '\t\tp = *params',
    '\t}',
    `\treturn pagination.New(ctx, p.Cursor.Or(""), func(ctx context.Context, cursor string) ([]${item}, string, error) {`,
    '\t\tif cursor != "" {',
    '\t\t\tp.Cursor = param.NewOpt(cursor)',
    '\t\t}',
    `\t\tpage, err := s.${goName(op.name)}(${['ctx', ...path, '&p', 'opts...'].join(', ')})`,
    '\t\tif err != nil {',
    '\t\t\treturn nil, "", err',
    '\t\t}',
    '\t\treturn page.Data, page.NextCursor.Or(""), nil',
    '\t})',
    '}',
  ];
}

function renderParams(op: Operation): string[] {
  const options = optionParams(op);
  if (options.length === 0) return [];
  return [
    `// ${paramsName(op)} holds the query and header parameters of ${methodPath(op)}.`,
    `type ${paramsName(op)} struct {`,
    ...options.flatMap((p) => [
      ...textLines(p.description).map((l) => `\t//${l ? ` ${l}` : ''}`),
      `\t${goName(p.wireName)} ${paramType(p)}`,
    ]),
    '}',
  ];
}

function renderForm(op: Operation): string[] {
  if (op.body?.kind !== 'multipart') return [];
  const name = formName(op);
  const fields = op.body.fields;
  const lines = [
    `// ${name} is the multipart form of ${methodPath(op)}; a File field is a file part.`,
    `type ${name} struct {`,
    // A file part is left out when its Reader is nil.
    ...fields.flatMap((f) => [
      ...fieldDoc(f),
      `\t${goName(f.wireName)} ${f.type.kind === 'file' ? 'File' : fieldGoType(f)}`,
    ]),
    '}',
    '',
    `func (b ${name}) parts() []requestconfig.Part {`,
    '\tparts := []requestconfig.Part{}',
  ];
  for (const f of fields) {
    const field = `b.${goName(f.wireName)}`;
    const wire = JSON.stringify(f.wireName);
    if (f.type.kind === 'file') {
      const part = `requestconfig.Part{Name: ${wire}, Reader: ${field}.Reader, FileName: ${field}.Name, ContentType: ${field}.ContentType}`;
      lines.push(`\tif ${field}.Reader != nil {`, `\t\tparts = append(parts, ${part})`, '\t}');
    } else if (f.required) {
      lines.push(
        `\tparts = append(parts, requestconfig.Part{Name: ${wire}, Value: ${formatted(f.type, field)}})`,
      );
    } else {
      lines.push(
        `\tif ${field}.Valid() {`,
        `\t\tparts = append(parts, requestconfig.Part{Name: ${wire}, Value: ${formatted(f.type, `${field}.Value`)}})`,
        '\t}',
      );
    }
  }
  lines.push('\treturn parts', '}');
  return lines;
}

/** The event type of a stream: its name, id, raw data, and one typed field per kind of event. */
function renderEvent(op: Operation): string[] {
  if (op.response.kind !== 'events') return [];
  const name = eventName(op);
  const kinds = op.response.events.map((e) => ({ ...e, field: eventField(e.name) }));
  return [
    `// ${name} is one event of ${methodPath(op)}: Event names its kind and the field of that kind holds its data.`,
    `type ${name} struct {`,
    "\t// Event is the event's name.",
    '\tEvent string',
    '\t// ID is the event\'s id ("" when it has none); the stream resumes after it.',
    '\tID string',
    "\t// Data is the event's raw JSON data.",
    '\tData json.RawMessage',
    ...kinds.flatMap((k) => [
      `\t// ${k.field} is the data of a ${JSON.stringify(k.name)} event.`,
      `\t${k.field} ${goType(k.type)}`,
    ]),
    '}',
    '',
    `func decode${name}(raw ssestream.Event) (${name}, error) {`,
    `\tev := ${name}{Event: raw.Event, ID: raw.ID, Data: raw.Data}`,
    '\tswitch raw.Event {',
    ...kinds.flatMap((k) => [
      `\tcase ${JSON.stringify(k.name)}:`,
      `\t\tif err := json.Unmarshal(raw.Data, &ev.${k.field}); err != nil {`,
      '\t\t\treturn ev, err',
      '\t\t}',
    ]),
    '\t}',
    '\treturn ev, nil',
    '}',
  ];
}

/** The field of an event type holding the data of the event `name`. */
export function eventField(name: string): string {
  const field = goName(name);
  return ['Event', 'ID', 'Data'].includes(field) ? `${field}Data` : field;
}

function renderService(ns: Namespace): string[] {
  const name = serviceName(ns);
  const area = ns.path.join('.');
  const lines = [`// ${name} groups the ${area} operations.${ns.description ? ` ${ns.description}` : ''}`];
  lines.push(`type ${name} struct {`);
  for (const child of ns.children) {
    lines.push(`\t${goName(child.path[child.path.length - 1] ?? '')} *${serviceName(child)}`);
  }
  if (ns.children.length > 0) lines.push('');
  lines.push(
    "\t// Options apply to every call of this service, after the client's.",
    '\tOptions []option.RequestOption',
    '}',
  );
  return lines;
}

/** The Go source of one top-level namespace and everything below it. */
export function renderNamespaceFile(top: Namespace, pkg: string, module: string): string {
  const blocks: string[][] = [];
  for (const ns of [top, ...descendants(top)]) {
    blocks.push(renderService(ns));
    for (const op of ns.operations) {
      blocks.push(
        renderMethod(ns, op, pkg),
        renderPager(ns, op),
        renderParams(op),
        renderForm(op),
        renderEvent(op),
      );
    }
  }
  const body = blocks
    .filter((b) => b.length > 0)
    .map((b) => b.join('\n'))
    .join('\n\n');
  return [`package ${pkg}`, '', ...importBlock(importsFor(body, module)), body].join('\n');
}

/** The expression that builds a namespace's service, children included. */
export function serviceValue(ns: Namespace, indent: string): string {
  const children = ns.children.map(
    (c) => `${indent}\t${goName(c.path[c.path.length - 1] ?? '')}: ${serviceValue(c, `${indent}\t`)},`,
  );
  return [`&${serviceName(ns)}{`, ...children, `${indent}\tOptions: opts,`, `${indent}}`].join('\n');
}
