import type { CaseResult, RunResult, TargetInfo } from './result.js';

// Markdown tables: readable in a terminal and committed as bench/results/*.md.

const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const rps = (n: number) => n.toFixed(0);
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const x = (n: number) => `${n.toFixed(2)}×`;
const mb = (n: number) => n.toFixed(0);

function casesTable(cases: CaseResult[]): string {
  return table(
    [
      'endpoint',
      'conc',
      'platform req/s',
      'p50 ms',
      'p99 ms',
      'baseline req/s',
      'p50 ms',
      'p99 ms',
      'req/s ratio',
      'p50 ratio',
      'p99 ratio',
      'CPU µs/req plat / base',
    ],
    cases.map((c) => [
      c.endpoint,
      String(c.concurrency),
      rps(c.platform.rps),
      ms(c.platform.p50Ms),
      ms(c.platform.p99Ms),
      rps(c.baseline.rps),
      ms(c.baseline.p50Ms),
      ms(c.baseline.p99Ms),
      x(c.ratio.rps),
      x(c.ratio.p50),
      x(c.ratio.p99),
      `${c.platform.cpuUsPerReq.toFixed(0)} / ${c.baseline.cpuUsPerReq.toFixed(0)}`,
    ]),
  );
}

function processTable(name: string, t: TargetInfo): string {
  const rows = t.processes.map((p) => [
    name,
    `${'  '.repeat(p.depth)}${p.name}`,
    mb(p.idleRssMb),
    mb(p.afterLoadRssMb),
    p.cpuS.toFixed(1),
  ]);
  rows.push([name, '**total**', `**${mb(t.idleRssTotalMb)}**`, `**${mb(t.afterLoadRssTotalMb)}**`, '']);
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function renderRun(r: RunResult): string {
  const errors = r.cases.flatMap((c) =>
    (['platform', 'baseline', 'versus'] as const).flatMap((t) =>
      (c[t]?.rounds ?? [])
        .map((round) => Object.values(round.errors).reduce((a, b) => a + b, 0))
        .filter((n) => n > 0)
        .map((n) => `${t} ${c.endpoint} c${c.concurrency}: ${n} errors/non-2xx`),
    ),
  );
  const env = Object.entries(r.platformEnv).map(([k, v]) => `${k}=${v}`);
  return [
    `## ${r.label}`,
    '',
    `- ${r.date}; root \`${r.root}\` at ${r.commit}`,
    `- platform: \`${r.platform.command}\` (${r.platformCmdSource})${env.length ? `, env ${env.join(' ')}` : ''}; ` +
      `LOG_LEVEL=${r.settings.logLevel}, stdout+stderr to a file: ${r.platform.logMb.toFixed(0)} MB of request log; startup ${r.platform.startupMs.toFixed(0)} ms`,
    `- baseline: \`${r.baseline.command}\` (bench/baseline/server.ts); startup ${r.baseline.startupMs.toFixed(0)} ms`,
    `- machine: ${r.machine.cores} cores (${r.machine.cpu}), node ${r.machine.node}, wrk ${r.machine.wrk} ` +
      `(${r.settings.threads} thread, same machine); load average (1/5/15 min) at start, then after each round: ${r.machine.loadAvg.join(' → ')}`,
    `- ${r.settings.rounds} rounds × ${r.settings.durationS} s per case and target, keep-alive, after ${r.settings.warmupS} s ` +
      'warm-up each; medians; platform and baseline alternate back to back, ratios are medians of per-round ratios ' +
      '(req/s ratio < 1 and latency ratio > 1 mean the platform is slower)',
    '',
    casesTable(r.cases),
    '',
    `Resident memory (MB, VmRSS after ${r.settings.idleS} s idle), whole process trees, launchers included:`,
    '',
    table(['target', 'process', 'idle after warm-up', 'idle after load', 'CPU s, whole run'], []),
    processTable('platform', r.platform),
    processTable('baseline', r.baseline),
    ...(r.versus ? [processTable('versus', r.versus)] : []),
    ...(r.versus ? ['', versusTable(r)] : []),
    ...(errors.length ? ['', '**Errors:**', ...errors.map((e) => `- ${e}`)] : []),
    '',
  ].join('\n');
}

/** With `--versus`: this checkout against the other one, measured in the same rounds. */
function versusTable(r: RunResult): string {
  const v = r.versus!;
  return [
    `### this checkout ÷ \`${v.root}\` at ${v.commit} (\`${v.command}\`), in the same rounds`,
    '',
    table(
      [
        'endpoint',
        'conc',
        'versus req/s',
        'this req/s',
        'this ÷ versus',
        'p50 ms versus → this',
        'p99 ms versus → this',
      ],
      r.cases.map((c) => [
        c.endpoint,
        String(c.concurrency),
        rps(c.versus!.rps),
        rps(c.platform.rps),
        x(c.versusRatio!.rps),
        `${ms(c.versus!.p50Ms)} → ${ms(c.platform.p50Ms)}`,
        `${ms(c.versus!.p99Ms)} → ${ms(c.platform.p99Ms)}`,
      ]),
    ),
  ].join('\n');
}

/** `before` and `after` side by side. Across runs, the ratios to each run's own baseline are the
 * fairer comparison: the baseline absorbs how busy the machine was. */
export function renderCompare(before: RunResult, after: RunResult): string {
  const rows = after.cases.flatMap((a) => {
    const b = before.cases.find((c) => c.endpoint === a.endpoint && c.concurrency === a.concurrency);
    if (!b) return [];
    return [
      [
        a.endpoint,
        String(a.concurrency),
        `${rps(b.platform.rps)} → ${rps(a.platform.rps)}`,
        x(a.platform.rps / b.platform.rps),
        `${x(b.ratio.rps)} → ${x(a.ratio.rps)}`,
        `${ms(b.platform.p50Ms)} → ${ms(a.platform.p50Ms)}`,
        `${ms(b.platform.p99Ms)} → ${ms(a.platform.p99Ms)}`,
        `${x(b.ratio.p99)} → ${x(a.ratio.p99)}`,
      ],
    ];
  });
  return [
    `## ${before.label} → ${after.label}`,
    '',
    table(
      [
        'endpoint',
        'conc',
        'platform req/s',
        'after ÷ before',
        'req/s ÷ baseline',
        'p50 ms',
        'p99 ms',
        'p99 ÷ baseline',
      ],
      rows,
    ),
    '',
    `Platform idle RSS (whole tree, after warm-up): ${mb(before.platform.idleRssTotalMb)} MB → ` +
      `${mb(after.platform.idleRssTotalMb)} MB (${before.platform.processes.length} → ` +
      `${after.platform.processes.length} processes); after load ${mb(before.platform.afterLoadRssTotalMb)} → ` +
      `${mb(after.platform.afterLoadRssTotalMb)} MB. Startup ${before.platform.startupMs.toFixed(0)} → ` +
      `${after.platform.startupMs.toFixed(0)} ms.`,
    '',
  ].join('\n');
}
