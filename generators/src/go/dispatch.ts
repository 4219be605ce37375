// scenario_dispatch_test.go: the table the scenario runner (internal/scenariotest) calls, one
// entry per operationId, turning a scenario's wire-named arguments into a call of the public
// API — positional path parameters, the typed body, the params struct, options — so that the
// scenarios exercise what a user calls.
import type { ApiModel, Operation, Param } from '../model/index.js';
import { GO_MODULE, type GoPackage } from './client.js';
import { goName } from './naming.js';
import {
  eventField,
  eventName,
  formName,
  methodPath,
  optionParams,
  paramsName,
  paramType,
  pathParams,
} from './operations.js';
import { fieldGoType, goType, importBlock, importsFor } from './types.js';

function decode(type: string, expr: string): string {
  return `scenariotest.Decode[${type}](${expr})`;
}

function setParams(op: Operation, q: string): string[] {
  const options = optionParams(op);
  if (options.length === 0) return [];
  const lines = [`\tparams := &${q}${paramsName(op)}{}`];
  for (const p of options) {
    const source =
      p.location === 'query'
        ? `a.Query[${JSON.stringify(p.wireName)}]`
        : `a.Header(${JSON.stringify(p.wireName)})`;
    lines.push(
      `\tif v, ok := ${source}; ok {`,
      `\t\tparams.${goName(p.wireName)} = ${paramValue(p, q)}`,
      '\t}',
    );
  }
  return lines;
}

function paramValue(p: Param, q: string): string {
  const type = paramType(p, q);
  if (type.startsWith('param.Opt[')) return `param.NewOpt(${decode(goType(p.type, q), 'v')})`;
  return decode(type, 'v');
}

/** The arguments of the call after ctx, built from `a`, and the statements building them. */
function callArgs(op: Operation, q: string): { setup: string[]; args: string[] } {
  const setup: string[] = [];
  const args = pathParams(op).map((p) => decode(goType(p.type, q), `a.Path[${JSON.stringify(p.wireName)}]`));
  const body = op.body;
  if (body?.kind === 'json') {
    const type = goType(body.type, q);
    const nilable = type.startsWith('[]') || type.startsWith('map[') || type === 'any';
    if (body.required || nilable) args.push(decode(type, 'a.Body'));
    else {
      setup.push(
        `\tvar body *${type}`,
        '\tif a.Body != nil {',
        `\t\tbody = new(${type})`,
        `\t\t*body = ${decode(type, 'a.Body')}`,
        '\t}',
      );
      args.push('body');
    }
  } else if (body?.kind === 'bytes') {
    args.push('a.Upload()');
  } else if (body?.kind === 'multipart') {
    setup.push(`\tform := ${q}${formName(op)}{}`);
    for (const f of body.fields) {
      const wire = JSON.stringify(f.wireName);
      const value =
        f.type.kind === 'file'
          ? `a.File(${wire})`
          : fieldGoType(f, q).startsWith('param.Opt[')
            ? `param.NewOpt(${decode(goType(f.type, q), 'v')})`
            : decode(fieldGoType(f, q), 'v');
      setup.push(
        `\tif v, ok := a.Field(${wire}); ok {`,
        '\t\t_ = v',
        `\t\tform.${goName(f.wireName)} = ${value}`,
        '\t}',
      );
    }
    args.push('form');
  }
  setup.push(...setParams(op, q));
  if (optionParams(op).length > 0) args.push('params');
  const headers = op.params.filter((p) => p.location === 'header').map((p) => JSON.stringify(p.wireName));
  setup.push(`\topts := a.ExtraHeaders(${headers.join(', ')})`);
  args.push('opts...');
  return { setup, args };
}

function renderEntry(op: Operation, q: string): string[] {
  const { setup, args } = callArgs(op, q);
  const call = `client.${methodPath(op)}(${['ctx', ...args].join(', ')})`;
  const lines = [
    `\t\t${JSON.stringify(op.id)}: {`,
    '\t\t\tCall: func(ctx context.Context, a scenariotest.Args) (any, error) {',
  ];
  const inner = (l: string) => `\t\t\t${l}`;
  lines.push(...setup.map(inner));
  switch (op.response.kind) {
    case 'empty':
      lines.push(inner(`\treturn nil, ${call}`));
      break;
    case 'events': {
      const kinds = op.response.events;
      lines.push(
        inner(`\treturn scenariotest.EventsOf(${call}, func(ev ${q}${eventName(op)}) scenariotest.Event {`),
        inner('\t\te := scenariotest.Event{Event: ev.Event, ID: ev.ID, Data: ev.Data}'),
        inner('\t\tswitch ev.Event {'),
        ...kinds.flatMap((k) => [
          inner(`\t\tcase ${JSON.stringify(k.name)}:`),
          inner(`\t\t\te.Data = ev.${eventField(k.name)}`),
        ]),
        inner('\t\t}'),
        inner('\t\treturn e'),
        inner('\t}), nil'),
      );
      break;
    }
    default:
      lines.push(inner(`\treturn ${call}`));
  }
  lines.push('\t\t\t},');
  if (op.pagination) {
    const pager = `client.${[...op.namespace, `${op.name}AutoPaging`].map(goName).join('.')}`;
    const pagerArgs = [
      'ctx',
      ...pathParams(op).map((p) => decode(goType(p.type, q), `a.Path[${JSON.stringify(p.wireName)}]`)),
      'params',
      'opts...',
    ];
    lines.push(
      '\t\t\tPages: func(ctx context.Context, a scenariotest.Args) ([]any, error) {',
      ...setParams(op, q).map(inner),
      // The runner's page size goes to `limit` (a list without one pages as the server likes).
      ...(op.params.some((p) => p.location === 'query' && p.wireName === 'limit')
        ? [inner('\tparams.Limit = param.NewOpt(int64(a.PageSize))')]
        : []),
      inner(
        `\topts := a.ExtraHeaders(${op.params
          .filter((p) => p.location === 'header')
          .map((p) => JSON.stringify(p.wireName))
          .join(', ')})`,
      ),
      inner(`\tit := ${pager}(${pagerArgs.join(', ')})`),
      inner('\tvar items []any'),
      inner('\tfor it.Next() {'),
      inner('\t\titems = append(items, it.Current())'),
      inner('\t}'),
      inner('\treturn items, it.Err()'),
      '\t\t\t},',
    );
  }
  lines.push('\t\t},');
  return lines;
}

/** scenario_dispatch_test.go for the package `pkg`. */
export function renderDispatch(model: ApiModel, pkg: GoPackage): string {
  const q = `${pkg.name}.`;
  const body = [
    '// scenarioOps maps every operationId to a call of the public API of client.',
    `func scenarioOps(client *${pkg.name}.Client) map[string]scenariotest.Op {`,
    '\treturn map[string]scenariotest.Op{',
    ...model.operations.flatMap((op) => renderEntry(op, q)),
    '\t}',
    '}',
  ].join('\n');
  const imports = importsFor(body, GO_MODULE).filter((i) => !i.endsWith('/internal/requestconfig'));
  const all = [...imports, pkg.importPath, `${GO_MODULE}/internal/scenariotest`].sort();
  return [`package ${pkg.name}_test`, '', ...importBlock(all), body].join('\n');
}
