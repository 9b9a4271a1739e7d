// Servers for the http benches: start one as a child (its port read from its output), wait for it, its CPU time, stop it, load it.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { BENCH_DIR, SHARED_DATA } from './harness.js';

export const ROOT = resolve(BENCH_DIR, '..');

export async function start(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = /listening (\d+)|listening at http:\/\/127\.0\.0\.1:(\d+)|"port":(\d+)/.exec(out);
      if (m) ok(Number(m[1] ?? m[2] ?? m[3]));
    });
    child.on('exit', (code) => fail(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, port };
}

export async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    if (r?.ok) return;
    await new Promise((x) => setTimeout(x, 100));
  }
  throw new Error('ipdest did not become ready');
}

/** CPU seconds a process has used (user + system), from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    child.once('exit', () => ok());
    child.kill('SIGTERM');
  });
}

export function load(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((ok, fail) => {
    autocannon(opts, (err, res) => (err ? fail(err) : ok(res)));
  });
}

/**
 * A temp folder holding copies of the real lists and an ipdest.yaml naming them: the service reads
 * the copies, so a bench can touch them to make reloads.
 */
export function realListsFolder(prefix: string): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const f of ['azure/ServiceTags_Public_20251028.json', 'microsoft/msft-public-ips.csv', 'aws/ip-ranges.json', 'google/cloud.json', 'google/goog.json'])
    copyFileSync(join(SHARED_DATA, f), join(dir, f.split('/')[1]!));
  const config = join(dir, 'ipdest.yaml');
  writeFileSync(
    config,
    `lists:
  - { name: azure, tag: Microsoft, format: azure-service-tags, path: ServiceTags_Public_*.json }
  - { name: microsoft, tag: Microsoft, format: msft-public-ip-csv, path: msft-public-ips.csv }
  - { name: aws, tag: AWS, format: aws-ip-ranges, path: ip-ranges.json }
  - { name: google-cloud, tag: Google, format: google-ip-ranges, path: cloud.json }
  - { name: google, tag: Google, format: google-ip-ranges, path: goog.json }
`,
  );
  return { dir, config };
}
