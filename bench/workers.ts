// Bench: GET /lookup/<ip> req/s and server CPU per request with `serve --workers 1` and `--workers 2`, both up at once, loaded in interleaved rounds.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLists } from '../src/lists/index.js';
import { SHARED_DATA, median, type Row } from './harness.js';
import { REAL_SOURCES, addressMix } from './real-lists.js';
import { ROOT, cpuSeconds, load, realListsFolder, start, stop, waitReady } from './servers.js';

/** The process and its children (the workers of the cluster), by pid. */
function tree(pid: number): number[] {
  let kids: number[] = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // not Linux: the primary only
  }
  return [pid, ...kids.flatMap(tree)];
}

const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + cpuSeconds(p), 0);

async function waitWorkers(port: number, n: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    if (new RegExp(`^ipdest_workers ${n}$`, 'm').test(text)) return;
    await new Promise((x) => setTimeout(x, 100));
  }
  throw new Error(`the workers did not come up (${n})`);
}

export async function run(): Promise<Row[]> {
  const { config } = realListsFolder('ipdest-bench-workers-');
  const set = await loadLists(REAL_SOURCES, { baseDir: SHARED_DATA });
  const requests = addressMix(set, 1000).map((ip) => ({ method: 'GET' as const, path: `/lookup/${encodeURIComponent(ip)}` }));
  const duration = Number(process.env.BENCH_WORKERS_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_WORKERS_ROUNDS ?? 3);
  const connections = 25;

  const cli = resolve(ROOT, 'dist', 'cli.js');
  const one = await start([cli, 'serve', '-c', config, '--port', '0', '--workers', '1'], { LOG_LEVEL: 'info' });
  const two = await start([cli, 'serve', '-c', config, '--port', '0', '--workers', '2'], { LOG_LEVEL: 'info' });
  await waitReady(one.port);
  await waitWorkers(two.port, 2);
  // Each worker logs how long its own load of the lists took.
  const servers = [
    { name: 'workers 1', port: one.port, pids: () => tree(one.child.pid!), rates: [] as number[], cpu: [] as number[] },
    { name: 'workers 2', port: two.port, pids: () => tree(two.child.pid!), rates: [] as number[], cpu: [] as number[] },
  ];
  for (const s of servers) await load({ url: `http://127.0.0.1:${s.port}`, connections, duration: 2, requests });
  for (let r = 0; r < rounds; r++) {
    // Order alternates round by round: drift on the machine falls on both alike.
    for (const s of r % 2 === 0 ? servers : [...servers].reverse()) {
      const pids = s.pids();
      const cpu0 = cpuOf(pids);
      const res = await load({ url: `http://127.0.0.1:${s.port}`, connections, duration, requests });
      const cpuUs = ((cpuOf(pids) - cpu0) / res.requests.total) * 1e6;
      if (res.errors + res.non2xx > 0) console.warn(`${s.name}: ${res.errors} errors, ${res.non2xx} non-2xx`);
      s.rates.push(res.requests.total / (duration || 1));
      s.cpu.push(cpuUs);
      console.log(`round ${r + 1} ${s.name}: ${Math.round(res.requests.average)} req/s, ${cpuUs.toFixed(1)} µs server CPU/request (${pids.length} processes)`);
    }
  }
  await stop(one.child);
  await stop(two.child);
  const base = median(servers[0]!.rates);
  return servers.map((s, i) => ({
    scenario: 'workers',
    name: `GET /lookup/:ip, serve ${s.name}`,
    opsPerSec: median(s.rates),
    ...(i > 0 ? { ratio: median(s.rates) / base, baseline: 'serve workers 1' } : {}),
    note: `${connections} connections, ${rounds} interleaved rounds of ${duration} s; the load generator shares the cores`,
    extra: { serverCpuUsPerRequest: Number(median(s.cpu).toFixed(1)) },
  }));
}
