import { parse, TomlDate, TomlError } from 'smol-toml';
import { cronError } from '../triggers/cron.js';
import {
  isTable,
  join,
  kindOf,
  LayoutIssues,
  stringAt,
  stringListAt,
  type Table,
  warnUnknown,
} from './issues.js';
import { nearest, tomlPositions } from './locate.js';

export const TOML_FILE = 'aerostack.toml';

/** The binding tables of `aerostack.toml`, as wrangler names them. */
export type BindingType =
  | 'd1_databases'
  | 'kv_namespaces'
  | 'r2_buckets'
  | 'ai'
  | 'queues.producers'
  | 'queues.consumers'
  | 'vectorize'
  | 'services';

export interface Binding {
  type: BindingType;
  /** The name in `env`; for a queue consumer, its queue. */
  binding: string;
  /** The table's other settings, as written (`database_name`, `bucket_name`, `queue`…). */
  settings: Record<string, string | number>;
  /** Where a `[[services]]` table is (`aerostack.toml:12:1`): a target missing at deploy is reported there. */
  at?: string;
}

/** What `aerostack.toml` says, validated. */
export interface WorkerConfig {
  name: string;
  main: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  /** `[vars]` in the order written: the first is the primary `auth_secret_key`. */
  vars: [string, string][];
  bindings: Binding[];
  crons: string[];
}

export const WORKER_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const FLAG = /^[a-z0-9_]{1,64}$/;
const CRON = /^\S+(\s+\S+){4,5}$/;
/** A named export of a module (a `[[services]]` `entrypoint`). */
const EXPORT_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

const TOP_LEVEL = [
  'name',
  'main',
  'compatibility_date',
  'compatibility_flags',
  'vars',
  'd1_databases',
  'kv_namespaces',
  'r2_buckets',
  'ai',
  'queues',
  'vectorize',
  'triggers',
  'services',
];
/** wrangler settings that mean something on Cloudflare and nothing here. */
const WRANGLER_ONLY = [
  'account_id',
  'workers_dev',
  'route',
  'routes',
  'usage_model',
  'durable_objects',
  'migrations',
  'build',
  'site',
  'assets',
  'observability',
  'limits',
  'placement',
  'env',
  'dev',
  'tsconfig',
  'rules',
  'no_bundle',
  'minify',
  'keep_vars',
  'logpush',
  'upload_source_maps',
  'node_compat',
  'send_metrics',
  'find_additional_modules',
  'base_dir',
  'preserve_file_names',
  'compatibility_flags_override',
  'analytics_engine_datasets',
  'hyperdrive',
  'browser',
  'dispatch_namespaces',
  'mtls_certificates',
  'tail_consumers',
  'unsafe',
  'wasm_modules',
  'text_blobs',
  'data_blobs',
];

/** Each binding table: its `env` name key and the other keys it may have. */
const BINDING_TABLES: Record<Exclude<BindingType, 'ai'>, { key: string; others: string[] }> = {
  d1_databases: {
    key: 'binding',
    others: ['database_name', 'database_id', 'preview_database_id', 'migrations_dir'],
  },
  kv_namespaces: { key: 'binding', others: ['id', 'preview_id'] },
  r2_buckets: { key: 'binding', others: ['bucket_name', 'preview_bucket_name', 'jurisdiction'] },
  'queues.producers': { key: 'binding', others: ['queue', 'delivery_delay'] },
  'queues.consumers': {
    key: 'queue',
    others: [
      'max_batch_size',
      'max_batch_timeout',
      'max_retries',
      'dead_letter_queue',
      'max_concurrency',
      'retry_delay',
    ],
  },
  vectorize: { key: 'binding', others: ['index_name'] },
  services: { key: 'binding', others: ['service', 'entrypoint', 'environment'] },
};

/** Parses and validates `aerostack.toml`; `null` when it has errors (they are in `issues`). */
export function readToml(
  text: string,
  maxCompatibilityDate: string,
): { config: WorkerConfig | null; issues: LayoutIssues } {
  const positions = tomlPositions(text);
  const issues = new LayoutIssues(TOML_FILE, (path) => nearest(positions, path));
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    issues.errorAt(
      { line: error.line, column: error.column },
      `${TOML_FILE} is not valid TOML: ${error.message.split('\n')[0]}`,
    );
    return { config: null, issues };
  }
  warnUnknown(issues, doc, '', TOP_LEVEL, WRANGLER_ONLY);
  const name = stringAt(issues, doc, '', 'name', {
    required: true,
    pattern: WORKER_NAME,
    expect: 'must be lower-case letters, digits and inner hyphens, at most 63 characters',
  });
  const main = stringAt(issues, doc, '', 'main', {
    required: true,
    pattern: /\S/,
    expect: 'must name the entry module',
  });
  const compatibilityDate = dateAt(issues, doc, maxCompatibilityDate);
  const compatibilityFlags = stringListAt(issues, doc, '', 'compatibility_flags', {
    pattern: FLAG,
    expect: 'must be a workerd compatibility flag (lower-case letters, digits, underscores)',
    maxItems: 100,
  });
  const vars = varsAt(issues, doc);
  const bindings = bindingsAt(issues, doc);
  const crons = cronsAt(issues, doc);
  checkUnique(issues, vars, bindings);
  if (issues.errors.length > 0 || !name || !main || !compatibilityDate) return { config: null, issues };
  return {
    config: {
      name,
      main,
      compatibilityDate,
      compatibilityFlags,
      vars,
      bindings: bindings.map(([b]) => b),
      crons,
    },
    issues,
  };
}

/** `compatibility_date`: a real `YYYY-MM-DD` date (a quoted string or a TOML date), not after workerd's. */
function dateAt(issues: LayoutIssues, doc: Table, max: string): string | undefined {
  const raw = doc.compatibility_date;
  const where = 'compatibility_date';
  if (raw === undefined) {
    issues.error('', `\`${where}\` is required (e.g. compatibility_date = "${max}").`);
    return undefined;
  }
  const value = raw instanceof TomlDate && raw.isDate() ? raw.toISOString().slice(0, 10) : raw;
  const parts = typeof value === 'string' ? DATE.exec(value) : null;
  const real =
    parts !== null &&
    new Date(Date.UTC(+parts[1]!, +parts[2]! - 1, +parts[3]!)).toISOString().slice(0, 10) === value;
  if (!real) {
    issues.error(
      where,
      typeof value === 'string'
        ? `\`${where}\` must be a date written YYYY-MM-DD; it is ${JSON.stringify(value)}.`
        : `\`${where}\` must be a date written YYYY-MM-DD, not ${kindOf(raw)}.`,
    );
    return undefined;
  }
  if ((value as string) > max) {
    issues.error(
      where,
      `\`${where}\` ${value} is later than ${max}, the newest date this platform's workerd supports.`,
    );
    return undefined;
  }
  return value as string;
}

/** `[vars]`: names that are identifiers, values that are text (numbers and booleans become text). */
function varsAt(issues: LayoutIssues, doc: Table): [string, string][] {
  const table = doc.vars;
  if (table === undefined) return [];
  if (!isTable(table)) {
    issues.error('vars', `\`vars\` must be a table ([vars]), not ${kindOf(table)}.`);
    return [];
  }
  const vars: [string, string][] = [];
  for (const [name, value] of Object.entries(table)) {
    const where = join('vars', name);
    if (!IDENTIFIER.test(name)) {
      issues.error(
        where,
        `\`${where}\`: a var's name must be letters, digits and underscores, not starting with a digit.`,
      );
    } else if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      typeof value === 'bigint'
    ) {
      vars.push([name, String(value)]);
    } else {
      issues.error(where, `\`${where}\` must be a string, a number or a boolean, not ${kindOf(value)}.`);
    }
  }
  return vars;
}

/** The bindings, each with its path in the file (for the messages that follow). */
function bindingsAt(issues: LayoutIssues, doc: Table): [Binding, string][] {
  const bindings: [Binding, string][] = [];
  const queues = doc.queues;
  if (queues !== undefined && !isTable(queues)) {
    issues.error('queues', `\`queues\` must be a table, not ${kindOf(queues)}.`);
  } else if (queues) {
    warnUnknown(issues, queues, 'queues', ['producers', 'consumers']);
  }
  for (const [type, shape] of Object.entries(BINDING_TABLES) as [
    Exclude<BindingType, 'ai'>,
    { key: string; others: string[] },
  ][]) {
    const [head, tail] = type.split('.') as [string, string | undefined];
    const list = tail ? (isTable(queues) ? queues[tail] : undefined) : doc[head];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      issues.error(type, `\`${type}\` must be an array of tables ([[${type}]]), not ${kindOf(list)}.`);
      continue;
    }
    list.forEach((entry, i) => {
      const path = `${type}[${i}]`;
      if (!isTable(entry)) {
        issues.error(path, `\`${path}\` must be a table, not ${kindOf(entry)}.`);
        return;
      }
      const binding = bindingOf(issues, entry, path, type, shape);
      if (binding && type === 'services') serviceOf(issues, entry, path, binding);
      if (binding) bindings.push([binding, path]);
    });
  }
  const ai = doc.ai;
  if (ai !== undefined) {
    if (!isTable(ai)) issues.error('ai', `\`ai\` must be a table ([ai]), not ${kindOf(ai)}.`);
    else {
      const binding = bindingOf(issues, ai, 'ai', 'ai', { key: 'binding', others: [] });
      if (binding) bindings.push([binding, 'ai']);
    }
  }
  return bindings;
}

function bindingOf(
  issues: LayoutIssues,
  entry: Table,
  path: string,
  type: BindingType,
  shape: { key: string; others: string[] },
): Binding | null {
  warnUnknown(issues, entry, path, [shape.key, ...shape.others]);
  const isQueueName = shape.key === 'queue';
  const binding = stringAt(issues, entry, path, shape.key, {
    required: true,
    pattern: isQueueName ? /^[A-Za-z0-9_-]{1,63}$/ : IDENTIFIER,
    expect: isQueueName
      ? 'must be a queue name (letters, digits, _ and -)'
      : 'must be a name for env (letters, digits and underscores, not starting with a digit)',
  });
  const settings: Record<string, string | number> = {};
  for (const key of shape.others) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value === 'string' || typeof value === 'number') settings[key] = value;
    else if (typeof value === 'bigint') settings[key] = Number(value);
    else
      issues.error(
        join(path, key),
        `\`${join(path, key)}\` must be a string or a number, not ${kindOf(value)}.`,
      );
  }
  return binding ? { type, binding, settings } : null;
}

/**
 * A `[[services]]` table: `service` names a worker of the project (checked against the project at
 * deploy), `entrypoint` one of its named exports; `environment` means nothing here.
 */
function serviceOf(issues: LayoutIssues, entry: Table, path: string, binding: Binding): void {
  // A value of another type than string or number has its error from \`bindingOf\` already.
  const text = (key: string) => ['string', 'number', 'undefined'].includes(typeof entry[key]);
  if (text('service'))
    stringAt(issues, entry, path, 'service', {
      required: true,
      pattern: WORKER_NAME,
      expect: "must be the name of one of the project's workers",
    });
  if (text('entrypoint'))
    stringAt(issues, entry, path, 'entrypoint', {
      pattern: EXPORT_NAME,
      expect: 'must be the name of an export of the target worker',
    });
  if (entry.environment !== undefined)
    issues.warn(
      join(path, 'environment'),
      `\`${join(path, 'environment')}\` is ignored: a service binding reaches the target worker's active deployment.`,
    );
  binding.at = issues.at(path);
}

/** `[triggers] crons`: five- or six-field cron expressions. */
function cronsAt(issues: LayoutIssues, doc: Table): string[] {
  const triggers = doc.triggers;
  if (triggers === undefined) return [];
  if (!isTable(triggers)) {
    issues.error('triggers', `\`triggers\` must be a table ([triggers]), not ${kindOf(triggers)}.`);
    return [];
  }
  warnUnknown(issues, triggers, 'triggers', ['crons']);
  const crons = stringListAt(issues, triggers, 'triggers', 'crons', {
    pattern: CRON,
    expect: 'must be a cron expression of five fields (minute hour day month weekday)',
    maxItems: 20,
  });
  // The shape is not enough: `61 * * * *` would deploy and then never fire.
  return crons.filter((cron) => {
    const error = cronError(cron);
    if (error) {
      issues.error(
        'triggers.crons',
        `\`triggers.crons\` holds ${JSON.stringify(cron)}, which is not a schedule: ${error}`,
      );
    }
    return !error;
  });
}

/** A name in `env` is given once: by a var or by one binding. */
function checkUnique(issues: LayoutIssues, vars: [string, string][], bindings: [Binding, string][]): void {
  const seen = new Set(vars.map(([name]) => name));
  bindings.forEach(([b, path]) => {
    if (b.type === 'queues.consumers') return;
    if (seen.has(b.binding)) {
      issues.error(path, `\`${b.binding}\` is given to env twice (by [vars] or another binding).`);
    }
    seen.add(b.binding);
  });
}
