import type { WrkResult } from './wrk.js';

// The shape of a results JSON (bench/results/*.json): what `--compare` reads back.

/** One wrk run against one target. */
export interface Round {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU the target's whole process tree spent per request, in microseconds. */
  cpuUsPerReq: number;
  errors: WrkResult['errors'];
}

/** Medians over the rounds of one target for one case. */
export interface Summary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  rounds: Round[];
}

export interface CaseResult {
  endpoint: string;
  concurrency: number;
  platform: Summary;
  baseline: Summary;
  /** platform ÷ baseline, the median of the per-round ratios (both measured back to back). */
  ratio: { rps: number; p50: number; p99: number };
  /** With `--versus`: the other checkout's platform, measured in the same rounds. */
  versus?: Summary;
  /** platform ÷ versus, the median of the per-round ratios. */
  versusRatio?: { rps: number; p50: number; p99: number };
}

/** One process of a target's tree: RSS when idle after warm-up and after the measured load. */
export interface ProcessResult {
  pid: number;
  depth: number;
  name: string;
  idleRssMb: number;
  afterLoadRssMb: number;
  /** CPU seconds from start to the end of the run */
  cpuS: number;
}

export interface TargetInfo {
  command: string;
  startupMs: number;
  processes: ProcessResult[];
  idleRssTotalMb: number;
  afterLoadRssTotalMb: number;
}

export interface RunResult {
  label: string;
  date: string;
  root: string;
  commit: string;
  platformCmdSource: string;
  /** Environment that changes the platform's shape, e.g. AEROSTACK_WORKERS. */
  platformEnv: Record<string, string>;
  machine: { cores: number; cpu: string; node: string; wrk: string; loadAvg: string[] };
  settings: {
    rounds: number;
    durationS: number;
    warmupS: number;
    idleS: number;
    threads: number;
    logLevel: string;
  };
  cases: CaseResult[];
  platform: TargetInfo & { logMb: number };
  baseline: TargetInfo;
  /** With `--versus`: the other checkout (its root, commit and how it was started). */
  versus?: TargetInfo & { root: string; commit: string };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export function summarize(rounds: Round[]): Summary {
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    cpuUsPerReq: median(rounds.map((r) => r.cpuUsPerReq)),
    rounds,
  };
}
