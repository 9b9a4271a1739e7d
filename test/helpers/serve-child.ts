// `ipdest serve` as a child process for tests: its port read from its log, its log kept, killed at teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Test } from 'tap';
import { PROJECT_ROOT } from './shared-data.js';

export interface ServeChild {
  child: ChildProcess;
  port: number;
  /** stdout and stderr so far. */
  log(): string;
  /** The parsed JSON log lines so far. */
  lines(): Array<{ level: number; msg: string; [k: string]: unknown }>;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** The exit, as code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `ipdest serve -c <config>` on 127.0.0.1:0 (or `port`), with `args` after; `ulimit` sets the open-files limit first. */
export async function serveChild(t: Test, config: string, opts: { ulimit?: number; port?: number; args?: string[] } = {}): Promise<ServeChild> {
  const args = [
    '--import',
    'tsx',
    resolve(PROJECT_ROOT, 'src', 'cli.ts'),
    'serve',
    '-c',
    config,
    '--host',
    '127.0.0.1',
    '--port',
    String(opts.port ?? 0),
    ...(opts.args ?? []),
  ];
  const child =
    opts.ulimit === undefined
      ? spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${opts.ulimit} && exec "$0" "$@"`, process.execPath, ...args], {
          cwd: PROJECT_ROOT,
          env: { ...process.env, LOG_LEVEL: 'info' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let log = '';
  child.stdout!.on('data', (c) => {
    log += c;
  });
  child.stderr!.on('data', (c) => {
    log += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const waitFor = async (re: RegExp, ms = 20_000): Promise<RegExpExecArray> => {
    const end = Date.now() + ms;
    for (;;) {
      const m = re.exec(log);
      if (m) return m;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`timed out waiting for ${re}; log:\n${log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const port = Number((await waitFor(/listening at http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const lines = () =>
    log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  return { child, port, log: () => log, lines, waitFor, exited };
}
