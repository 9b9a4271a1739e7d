// Scenario `idle`: the memory of a server at rest with every real list and the owner layer loaded (target RSS ≤ 300 MiB).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SHARED_DATA, type Row } from './harness.js';
import { REAL_SOURCES } from './real-lists.js';
import { ROOT, start, stop, waitReady } from './servers.js';

/** VmRSS and VmHWM of a process, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export async function run(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ipdest-idle-'));
  const cfg = join(dir, 'ipdest.yaml');
  const lists = REAL_SOURCES.map((l) => `  - { name: ${l.name}, tag: ${l.tag}, format: ${l.format}, path: '${resolve(SHARED_DATA, l.path)}' }`).join('\n');
  const rows: Row[] = [];
  for (const owners of [true, false]) {
    writeFileSync(cfg, `owners: { enabled: ${owners}, cache: '${join(dir, 'cache')}' }\nlists:\n${lists}\n`);
    // Twice with owners: the first start builds the owner cache, the second reads it (a usual start).
    for (const pass of owners ? ['first start (builds the owner cache)', 'later start (reads it)'] : ['no owner layer']) {
      const t0 = performance.now();
      const { child, port } = await start([resolve(ROOT, 'dist', 'cli.js'), 'serve', '-c', cfg, '--port', '0'], { LOG_LEVEL: 'info' });
      await waitReady(port);
      const readyMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 3000));
      const m = memoryOf(child.pid!);
      await stop(child);
      rows.push({
        scenario: 'idle',
        name: `idle server, real lists${owners ? ' + owner layer' : ''}: ${pass}`,
        opsPerSec: null,
        note: `RSS ${(m.rss / 2 ** 20).toFixed(0)} MiB at rest (peak ${(m.peak / 2 ** 20).toFixed(0)}); ready in ${(readyMs / 1000).toFixed(1)} s${owners ? '; target RSS ≤ 300 MiB' : ''}`,
        extra: { rssBytes: m.rss, peakBytes: m.peak, readyMs },
      });
    }
  }
  return rows;
}
