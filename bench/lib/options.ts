import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What one `pnpm bench` run measures, from flags (first) and BENCH_* variables. */
export interface Options {
  /** The checkout whose platform is measured (`--root`, BENCH_ROOT). */
  root: string;
  /** Shell command that starts the platform, run with cwd = root and root/node_modules/.bin on PATH. */
  platformCmd: string;
  /** How `platformCmd` was chosen, for the report. */
  platformCmdSource: string;
  /** Another checkout measured in the same rounds (`--versus`, BENCH_VERSUS), e.g. the commit before a change. */
  versus: { root: string; cmd: string; source: string } | null;
  rounds: number;
  durationS: number;
  warmupS: number;
  idleS: number;
  concurrency: number[];
  /** wrk threads; 1 keeps the load generator to one of the two cores. */
  threads: number;
  logLevel: string;
  /** Write `<out>.json` and `<out>.md`. */
  out: string | null;
  /** A results JSON of an earlier run to print side by side. */
  compare: string | null;
  label: string | null;
  keep: boolean;
}

const HELP = `pnpm bench [options]   (needs wrk: apt-get install -y wrk | brew install wrk)

  --root DIR            checkout to measure (BENCH_ROOT; default: this repository)
  --platform-cmd "CMD"  how to start the platform (BENCH_PLATFORM_CMD; default: the README start command's
                        node platform/dist/main.js step when that file exists, else the root package.json "start" script)
  --versus DIR          also measure the platform of another checkout in the same rounds (BENCH_VERSUS),
                        started the same way; reports this ÷ that per case (before/after under equal load)
  --rounds N            rounds per case, medians reported (BENCH_ROUNDS; default 5)
  --duration S          seconds per wrk run (BENCH_DURATION; default 5)
  --warmup S            seconds of warm-up per case and target (BENCH_WARMUP; default 2)
  --idle S              idle seconds before reading RSS (BENCH_IDLE; default 5)
  --concurrency 1,32    connections per case (BENCH_CONCURRENCY)
  --threads N           wrk threads (BENCH_THREADS; default 1)
  --log-level LEVEL     platform LOG_LEVEL (BENCH_LOG_LEVEL; default info, what users get)
  --out PATH            also write PATH.json and PATH.md (BENCH_OUT)
  --compare FILE.json   print this run beside an earlier one (BENCH_COMPARE)
  --label NAME          name of this run (default: the root's git commit)
  --keep                keep the temp dir (data, platform log)
Other environment (AEROSTACK_WORKERS, DATABASE_URL, ...) passes through to the platform.`;

// pnpm runs the script in bench/; relative paths mean what they meant where the user typed them.
const fromCaller = (path: string) =>
  isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);

const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((max, e) => Math.max(max, statSync(join(e.parentPath, e.name)).mtimeMs), 0);

/** The last step of the README's start command when it serves the built platform with node (flags included). */
function readmeServeCommand(root: string): string | null {
  const readme = join(root, 'README.md');
  if (!existsSync(readme)) return null;
  const block = readFileSync(readme, 'utf8').split('<!-- start-command -->')[1];
  const line = block?.match(/```\w*\n([^\n]+)/)?.[1];
  const last = line?.split('&&').at(-1)?.trim();
  return last && /^node( --\S+)* platform\/dist\/main\.js$/.test(last) ? last : null;
}

function defaultPlatformCmd(root: string): { cmd: string; source: string } {
  const dist = join(root, 'platform/dist/main.js');
  if (existsSync(dist)) {
    const stale = newestMtime(join(root, 'platform/src')) > statSync(dist).mtimeMs;
    if (stale) {
      console.error(
        `bench: warning: ${dist} is older than platform/src; run pnpm --filter @aerostack/platform build`,
      );
    }
    const readme = readmeServeCommand(root);
    return {
      cmd: readme ?? 'node platform/dist/main.js',
      source: `platform/dist/main.js exists${stale ? ', STALE' : ''}${readme ? "; as the README's start command runs it" : ''}`,
    };
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const start = pkg.scripts?.start;
  if (!start) throw new Error(`${root}: no platform/dist/main.js and no "start" script`);
  return { cmd: start, source: 'root package.json "start" script' };
}

function number(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${value}"`);
  return n;
}

export function parseOptions(argv: string[], env = process.env): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      root: { type: 'string' },
      'platform-cmd': { type: 'string' },
      versus: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      idle: { type: 'string' },
      concurrency: { type: 'string' },
      threads: { type: 'string' },
      'log-level': { type: 'string' },
      out: { type: 'string' },
      compare: { type: 'string' },
      label: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const root = fromCaller(values.root ?? env.BENCH_ROOT ?? join(import.meta.dirname, '../..'));
  const given = values['platform-cmd'] ?? env.BENCH_PLATFORM_CMD;
  const detected = given ? { cmd: given, source: 'given' } : defaultPlatformCmd(root);
  const versusRoot = values.versus ?? env.BENCH_VERSUS;
  const versus = versusRoot
    ? (() => {
        const root2 = fromCaller(versusRoot);
        const d = defaultPlatformCmd(root2);
        return { root: root2, cmd: d.cmd, source: d.source };
      })()
    : null;
  const out = values.out ?? env.BENCH_OUT;
  const compare = values.compare ?? env.BENCH_COMPARE;
  return {
    root,
    platformCmd: detected.cmd,
    platformCmdSource: detected.source,
    versus,
    rounds: Math.round(number(values.rounds ?? env.BENCH_ROUNDS, 5, 'rounds')),
    durationS: number(values.duration ?? env.BENCH_DURATION, 5, 'duration'),
    warmupS: number(values.warmup ?? env.BENCH_WARMUP, 2, 'warmup'),
    idleS: number(values.idle ?? env.BENCH_IDLE, 5, 'idle'),
    concurrency: (values.concurrency ?? env.BENCH_CONCURRENCY ?? '1,32')
      .split(',')
      .map((c) => Math.round(number(c, 1, 'concurrency'))),
    threads: Math.round(number(values.threads ?? env.BENCH_THREADS, 1, 'threads')),
    logLevel: values['log-level'] ?? env.BENCH_LOG_LEVEL ?? 'info',
    out: out ? fromCaller(out) : null,
    compare: compare ? fromCaller(compare) : null,
    label: values.label ?? env.BENCH_LABEL ?? null,
    keep: values.keep ?? env.BENCH_KEEP === '1',
  };
}
