// Scenario `audit`: `ipdest audit` (one thread, and a thread per core) against the seeds' awk|sort|uniq pipeline on a 1M-line real-shaped iptables log, in wall and on-CPU time, with a bare Node loop doing the pipeline's job as a floor; Sysmon events/s; max RSS at 1M and 10M records.
// Env: BENCH_AUDIT_LINES (default 1000000), BENCH_AUDIT_BIG (default 10000000; 0 skips the 10M RSS run).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { SHARED_DATA, type Row } from './harness.js';
import { rng } from './real-lists.js';
import { ROOT } from './servers.js';

/** Real lines with their DST (or DestinationIp) replaced from a pool of real-looking addresses: the mix a fleet's log has. */
async function writeLog(file: string, lines: readonly string[], n: number, rewrite: (line: string, ip: string) => string): Promise<number> {
  const next = rng(11);
  const pool = Array.from({ length: 5000 }, () => `${(next() % 223) + 1}.${next() % 256}.${next() % 256}.${next() % 256}`);
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    // Zipf-ish: a few destinations take most connections.
    const ip = pool[Math.floor(pool.length * (next() / 2 ** 32) ** 3)]!;
    chunk += rewrite(lines[i % lines.length]!, ip) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return statSync(file).size;
}

/** Wall seconds, on-CPU seconds (user + system, every thread) and max RSS (KiB) of a command, from /usr/bin/time. */
function timed(cmd: string): { seconds: number; cpu: number; maxRssKiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', 'bash', '-c', cmd], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  const [user, sys, rss] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: (performance.now() - t0) / 1000, cpu: user! + sys!, maxRssKiB: rss! };
}

const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-audit-bench-'));
  const n = Number(process.env.BENCH_AUDIT_LINES ?? 1_000_000);
  const ipt = readdirSync(resolve(SHARED_DATA, 'iptables'))
    .flatMap((f) => readFileSync(resolve(SHARED_DATA, 'iptables', f), 'utf8').split('\n'))
    .filter((l) => / DST=/.test(l) && / SRC=/.test(l));
  // Outbound lines (OUT= set, IN= empty) so every line is a connection to an external destination.
  const outbound = ipt.map((l) => l.replace(/ IN=\S*/, ' IN=').replace(/ OUT=\S*/, ' OUT=eth0'));
  const log = join(dir, 'fw.log');
  const bytes = await writeLog(log, outbound, n, (l, ip) => l.replace(/ DST=\S+/, ` DST=${ip}`));
  const cli = resolve(ROOT, 'dist', 'cli.js');
  const cfg = join(dir, 'empty.yaml');
  writeFileSync(cfg, 'lists: []\n');
  const empty = join(dir, 'empty.log');
  writeFileSync(empty, '');
  const audit = (threads: string, file: string) => timed(`node ${cli} audit -c ${cfg} --format json --out /dev/null --threads ${threads} ${file}`);
  const r = {
    pipeline: [] as number[],
    pipelineCpu: [] as number[],
    one: [] as number[],
    oneCpu: [] as number[],
    auto: [] as number[],
    autoCpu: [] as number[],
    start: [] as number[],
    floor: [] as number[],
    rss: 0,
  };
  for (let round = 0; round < 3; round++) {
    const p = timed(`awk '{print $12" "$16}' ${log} | sort | uniq -c | sort -rn > /dev/null`);
    r.pipeline.push(p.seconds);
    r.pipelineCpu.push(p.cpu);
    const a = audit('1', log);
    r.one.push(a.seconds);
    r.oneCpu.push(a.cpu);
    const b = audit('auto', log);
    r.auto.push(b.seconds);
    r.autoCpu.push(b.cpu);
    r.rss = Math.max(r.rss, b.maxRssKiB);
    r.start.push(audit('1', empty).seconds);
    r.floor.push(timed(`node ${resolve(ROOT, 'bench', 'audit-floor.mjs')} ${log} > /dev/null`).seconds);
  }
  const mbps = (sec: number) => bytes / 2 ** 20 / sec;
  const base = med(r.pipeline);
  const lines = n.toLocaleString('en-US');
  rows.push({
    scenario: 'audit',
    name: `awk | sort | uniq -c | sort -rn, ${lines} iptables lines`,
    opsPerSec: n / base,
    note: `${mbps(base).toFixed(1)} MB/s wall, ${med(r.pipelineCpu).toFixed(2)} s on-CPU; no classification`,
  });
  for (const [name, wall, cpu] of [
    ['--threads 1', r.one, r.oneCpu],
    [`--threads auto (${availableParallelism()} cores)`, r.auto, r.autoCpu],
  ] as const) {
    rows.push({
      scenario: 'audit',
      name: `ipdest audit --format json ${name}, same file`,
      opsPerSec: n / med(wall),
      ratio: base / med(wall),
      baseline: 'the pipeline, MB/s (interleaved rounds, wall time)',
      note: `${mbps(med(wall)).toFixed(1)} MB/s classifying every line; ${med(cpu).toFixed(2)} s on-CPU (${(med(r.pipelineCpu) / med(cpu)).toFixed(2)}× the pipeline's); target ≥ 3×`,
    });
  }
  rows.push({
    scenario: 'audit',
    name: 'a bare JavaScript loop counting DST × DPT in a Map (bench/audit-floor.mjs), same file',
    opsPerSec: n / med(r.floor),
    ratio: base / med(r.floor),
    baseline: 'the pipeline, MB/s',
    note: `${mbps(med(r.floor)).toFixed(1)} MB/s: the pipeline's own job in Node, nothing classified`,
  });
  // Start-up (modules, lists, owners) is paid once a run; past it, the rate a longer file reads at.
  const start = med(r.start);
  rows.push({
    scenario: 'audit',
    name: `ipdest audit --threads auto past its start-up (${start.toFixed(2)} s on an empty file)`,
    opsPerSec: n / (med(r.auto) - start),
    ratio: base / (med(r.auto) - start),
    baseline: 'the pipeline, MB/s',
    note: `${mbps(med(r.auto) - start).toFixed(1)} MB/s; max RSS ${(r.rss / 1024).toFixed(0)} MiB`,
  });

  const sysmon = readFileSync(resolve(SHARED_DATA, 'sysmon', 'winlogbeat8-eid3.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const ev = join(dir, 'sysmon.ndjson');
  await writeLog(ev, sysmon, n, (l, ip) => l.replace(/"DestinationIp":"[^"]*"/, `"DestinationIp":"${ip}"`));
  for (const threads of ['1', 'auto']) {
    const s = audit(threads, ev);
    rows.push({
      scenario: 'audit',
      name: `ipdest audit --threads ${threads}, ${lines} Sysmon events (winlogbeat 8)`,
      opsPerSec: n / s.seconds,
      note: `${s.cpu.toFixed(1)} s on-CPU; max RSS ${(s.maxRssKiB / 1024).toFixed(0)} MiB; target ≥ 100k events/s`,
    });
  }

  const big = Number(process.env.BENCH_AUDIT_BIG ?? 10_000_000);
  if (big > 0) {
    const bigLog = join(dir, 'fw-big.log');
    await writeLog(bigLog, outbound, big, (l, ip) => l.replace(/ DST=\S+/, ` DST=${ip}`));
    const b = audit('auto', bigLog);
    rows.push({
      scenario: 'audit',
      name: `ipdest audit --threads auto, ${big.toLocaleString('en-US')} iptables lines`,
      opsPerSec: big / b.seconds,
      note: `max RSS ${(b.maxRssKiB / 1024).toFixed(0)} MiB (${(r.rss / 1024).toFixed(0)} MiB at ${lines})`,
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return rows;
}
