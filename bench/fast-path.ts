// Scenario `fast-path`: is POST /lookup's answer outside Fastify's lifecycle still worth it? Four servers, loaded in turn.
// Env: BENCH_HTTP_SECONDS (each timed run, 10), BENCH_HTTP_ROUNDS (3), BENCH_HTTP_WARMUP (6 s).
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadLists } from '../src/lists/index.js';
import { BENCH_DIR, SHARED_DATA, median, type Row } from './harness.js';
import { REAL_SOURCES, addressMix } from './real-lists.js';
import { ROOT, cpuSeconds, load, start, stop, waitReady } from './servers.js';

interface Target {
  name: string;
  child: ChildProcess;
  port: number;
  path: string;
}

export async function run(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-bench-'));
  for (const f of ['azure/ServiceTags_Public_20251028.json', 'microsoft/msft-public-ips.csv', 'aws/ip-ranges.json', 'google/cloud.json', 'google/goog.json'])
    copyFileSync(join(SHARED_DATA, f), join(dir, f.split('/')[1]!));
  const lists = `lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: ServiceTags_Public_*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-public-ips.csv }
  - { name: aws, tag: AWS, format: aws-ip-ranges, path: ip-ranges.json }
  - { name: google-cloud, tag: Google, format: google-ip-ranges, path: cloud.json }
  - { name: google, tag: Google, format: google-ip-ranges, path: goog.json }
`;
  writeFileSync(join(dir, 'on.yaml'), lists);
  writeFileSync(join(dir, 'off.yaml'), `server: { fastLookup: false }\n${lists}`);
  const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  const bodies = addressMix(set, 1000).map((ip) => JSON.stringify({ ip }));
  const duration = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
  const connections = 25;

  const cli = resolve(ROOT, 'dist', 'cli.js');
  const echo = resolve(BENCH_DIR, 'echo-server.mjs');
  const targets: Target[] = [];
  const add = async (name: string, args: string[], path: string, env: Record<string, string> = {}) => {
    const s = await start(args, env);
    targets.push({ name, ...s, path });
  };
  await add('raw node:http echo', [echo, join(dir, 'on.yaml')], '/echo', { MODE: 'raw' });
  await add('lean Fastify route, same answer', [echo, join(dir, 'on.yaml')], '/lookup', { MODE: 'lean' });
  await add('ipdest, fast path', [cli, 'serve', '-c', join(dir, 'on.yaml'), '--port', '0'], '/lookup', { LOG_LEVEL: 'info' });
  await add('ipdest, Fastify route only', [cli, 'serve', '-c', join(dir, 'off.yaml'), '--port', '0'], '/lookup', { LOG_LEVEL: 'info' });
  for (const t of targets.slice(2)) await waitReady(t.port);

  const reqs = (path: string) => bodies.map((body) => ({ method: 'POST' as const, path, headers: { 'content-type': 'application/json' }, body }));
  const warmup = Number(process.env.BENCH_HTTP_WARMUP ?? 6);
  for (const t of targets) await load({ url: `http://127.0.0.1:${t.port}`, connections, duration: warmup, requests: reqs(t.path) });
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
  const rates = targets.map(() => [] as number[]);
  const cpu = targets.map(() => [] as number[]);
  // Interleaved rounds: the machine's drift falls on every server alike; ratios are taken per round.
  for (let r = 0; r < rounds; r++) {
    for (const [i, t] of targets.entries()) {
      const c0 = cpuSeconds(t.child.pid);
      const res = await load({ url: `http://127.0.0.1:${t.port}`, connections, duration, requests: reqs(t.path) });
      if (res.non2xx > 0) throw new Error(`${t.name}: ${res.non2xx} non-2xx answers`);
      rates[i]!.push(res.requests.average);
      cpu[i]!.push(((cpuSeconds(t.child.pid) - c0) / res.requests.total) * 1e6);
    }
  }
  for (const t of targets) await stop(t.child);
  const ratio = (a: number, b: number) => median(rates[a]!.map((x, r) => x / rates[b]![r]!));
  const rows: Row[] = targets.map((t, i) => ({
    scenario: 'fast-path',
    name: `${t.name} (25 keep-alive conns)`,
    opsPerSec: median(rates[i]!),
    ratio: i === 0 ? null : ratio(i, 0),
    baseline: i === 0 ? '' : 'raw echo, same round',
    note: `server CPU ${median(cpu[i]!).toFixed(1)} µs/request; rounds ${rates[i]!.map((x) => Math.round(x)).join(', ')}`,
  }));
  const gain = ratio(2, 3);
  rows.push({
    scenario: 'fast-path',
    name: 'fast path against the Fastify route',
    opsPerSec: null,
    ratio: gain,
    baseline: 'ipdest, Fastify route only',
    note: `kept while > 1.05× (${gain > 1.05 ? 'worth it' : 'not worth it: remove'})`,
  });
  return rows;
}
