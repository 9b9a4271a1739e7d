// Scenario `audit`: `ipdest audit` against the seeds' awk|sort|uniq pipeline on a 1M-line real-shaped iptables log, Sysmon events/s, and max RSS at 1M and 10M records.
// Env: BENCH_AUDIT_LINES (default 1000000), BENCH_AUDIT_BIG (default 10000000; 0 skips the 10M RSS run).
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** Wall seconds and max RSS (KiB) of a command, from /usr/bin/time. */
function timed(cmd: string): { seconds: number; maxRssKiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'bash', '-c', cmd], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${r.stderr.slice(-500)}`);
  return { seconds: (performance.now() - t0) / 1000, maxRssKiB: Number(r.stderr.trim().split('\n').pop()) };
}

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
  execFileSync('bash', ['-c', `printf 'lists: []\\n' > ${cfg}`]);
  const results = { pipeline: [] as number[], audit: [] as number[], rss: 0 };
  for (let r = 0; r < 3; r++) {
    results.pipeline.push(timed(`awk '{print $12" "$16}' ${log} | sort | uniq -c | sort -rn > /dev/null`).seconds);
    const a = timed(`node ${cli} audit -c ${cfg} --format json --out /dev/null ${log}`);
    results.audit.push(a.seconds);
    results.rss = Math.max(results.rss, a.maxRssKiB);
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const mbps = (s: number) => bytes / 2 ** 20 / s;
  rows.push({
    scenario: 'audit',
    name: `awk | sort | uniq -c | sort -rn, ${n.toLocaleString('en-US')} iptables lines`,
    opsPerSec: n / med(results.pipeline),
    note: `${mbps(med(results.pipeline)).toFixed(1)} MB/s; no classification`,
  });
  rows.push({
    scenario: 'audit',
    name: `ipdest audit --format json, same file`,
    opsPerSec: n / med(results.audit),
    ratio: med(results.pipeline) / med(results.audit),
    baseline: 'the pipeline, MB/s (interleaved rounds, wall time)',
    note: `${mbps(med(results.audit)).toFixed(1)} MB/s classifying every line; max RSS ${(results.rss / 1024).toFixed(0)} MiB; target ≥ 3×`,
  });

  const sysmon = readFileSync(resolve(SHARED_DATA, 'sysmon', 'winlogbeat8-eid3.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const ev = join(dir, 'sysmon.ndjson');
  await writeLog(ev, sysmon, n, (l, ip) => l.replace(/"DestinationIp":"[^"]*"/, `"DestinationIp":"${ip}"`));
  const s = timed(`node ${cli} audit -c ${cfg} --format json --out /dev/null ${ev}`);
  rows.push({
    scenario: 'audit',
    name: `ipdest audit, ${n.toLocaleString('en-US')} Sysmon events (winlogbeat 8)`,
    opsPerSec: n / s.seconds,
    note: `max RSS ${(s.maxRssKiB / 1024).toFixed(0)} MiB; target ≥ 100k events/s`,
  });

  const big = Number(process.env.BENCH_AUDIT_BIG ?? 10_000_000);
  if (big > 0) {
    const bigLog = join(dir, 'fw-big.log');
    await writeLog(bigLog, outbound, big, (l, ip) => l.replace(/ DST=\S+/, ` DST=${ip}`));
    const b = timed(`node ${cli} audit -c ${cfg} --format json --out /dev/null ${bigLog}`);
    rows.push({
      scenario: 'audit',
      name: `ipdest audit, ${big.toLocaleString('en-US')} iptables lines`,
      opsPerSec: big / b.seconds,
      note: `max RSS ${(b.maxRssKiB / 1024).toFixed(0)} MiB (flat: ${(results.rss / 1024).toFixed(0)} MiB at 1M)`,
    });
  }
  return rows;
}
