// Bench harness: warm-up, timed runs, the machine line, the table and the JSON file.
import { arch, cpus, platform, release, totalmem, type } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const SHARED_DATA = resolve(BENCH_DIR, '..', '..', 'shared', 'data');

export interface Row {
  scenario: string;
  name: string;
  /** Operations per second (median of the runs). */
  opsPerSec: number | null;
  /** The figure against the row's baseline, e.g. 12.3 (×). */
  ratio?: number | null;
  baseline?: string;
  note?: string;
  extra?: Record<string, number | string>;
}

/**
 * Nanoseconds this thread has run on a CPU (the first field of /proc/thread-self/schedstat), or
 * null where the file is absent. On a shared machine the wall clock also counts the time other
 * processes held our core; on-CPU time does not.
 */
export function onCpuNs(): number | null {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/**
 * Calls fn(i) for every index of `n`, `runs` times after a warm-up; returns the median ops/s,
 * counted on-CPU where /proc/thread-self/schedstat exists (else on the wall clock).
 */
export function measure(n: number, fn: (i: number) => unknown, runs = 5, warmup = 2): number {
  let sink = 0;
  const rates: number[] = [];
  for (let r = 0; r < warmup + runs; r++) {
    const cpu0 = onCpuNs();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (fn(i)) sink++;
    const wallNs = Number(process.hrtime.bigint() - t0);
    const cpu1 = onCpuNs();
    const ns = cpu0 !== null && cpu1 !== null && cpu1 > cpu0 ? Math.min(cpu1 - cpu0, wallNs) : wallNs;
    if (r >= warmup) rates.push(n / (ns / 1e9));
  }
  if (sink === -1) console.log('unreachable');
  return median(rates);
}

export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `System: ${type()}/${platform()} ${arch()} ${release()}; ${cpus().length} × ${cpu}; ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}`;
}

function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined) return '-';
  return n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toFixed(digits);
}

export function printTable(rows: Row[]): void {
  const cells = rows.map((r) => [r.scenario, r.name, fmt(r.opsPerSec), r.ratio == null ? '-' : `${r.ratio.toFixed(2)}×`, r.baseline ?? '', r.note ?? '']);
  const header = ['scenario', 'case', 'ops/s', 'ratio', 'vs', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === 2 || i === 3 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

export function writeResults(name: string, rows: Row[], extra: Record<string, unknown> = {}): string {
  const dir = resolve(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ machine: machineLine(), date: new Date().toISOString(), rows, ...extra }, null, 2) + '\n');
  return file;
}
