// The primary of `serve --workers N`: forks and replaces the workers, runs the refresh schedule and file watch, fans reloads out, aggregates /metrics, stops them all.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { mergeMetrics } from '../http/index.js';
import { stopParseThread, type UpdateOutcome } from '../lists/index.js';
import { RefreshSchedule, RELOAD_GRACE_MS, RELOAD_TIMEOUT_MS, watchListFolders, type RefreshOptions } from '../service/index.js';
import { Asker, isClusterMessage, type ClusterMessage } from './cluster-messages.js';
import { EXIT_FAILURE, EXIT_OK } from './report.js';

/** ms the primary waits for each worker's metrics; a worker slower than this is left out of that answer. */
export const COLLECT_WAIT_MS = 2000;
/** A worker that ends sooner than this after its start counts as failing at start (the back-off grows). */
export const HEALTHY_AFTER_MS = 10_000;
/** The first and the longest wait before a worker failing at start is forked again. */
export const RESTART_MIN_MS = 500;
export const RESTART_MAX_MS = 30_000;
/** ms past server.shutdownTimeout before workers still running at shutdown are killed. */
const KILL_GRACE_MS = 5000;

export interface PrimaryOptions {
  readonly config: Config;
  readonly baseDir: string;
  readonly workers: number;
  readonly log: Logger;
  readonly refresh: RefreshOptions;
}

interface Slot {
  worker: Worker;
  forkedAt: number;
  listening: boolean;
  /** Its first load is done: it answers questions from here on. */
  loaded: boolean;
  /** A reload was asked while it was still loading: it reloads once loaded (its start may have read the old files). */
  reloadWhenLoaded: string | null;
  asker: Asker;
}

/** Runs the primary until it is stopped (SIGTERM/SIGINT), or its first workers all fail; the exit code. */
export function runPrimary(opts: PrimaryOptions): Promise<number> {
  const { log, config } = opts;
  const slots = new Map<number, Slot>(); // by cluster worker id
  const updates = new Map<string, number>(); // "list\0state" → count: the primary runs the updates
  let closing = false;
  let everListened = false;
  let failingAtStart = 0;
  const restarts = new Set<NodeJS.Timeout>();
  let refreshStarted = false;

  const fork = (): void => {
    const worker = cluster.fork({ IPDEST_CLUSTER_WORKER: '1' });
    const slot: Slot = { worker, forkedAt: Date.now(), listening: false, loaded: false, reloadWhenLoaded: null, asker: new Asker() };
    slots.set(worker.id, slot);
    worker.on('message', (m: unknown) => onMessage(slot, m));
    worker.on('listening', () => {
      slot.listening = true;
      everListened = true;
    });
    worker.on('exit', (code: number | null, signal: string | null) => onExit(slot, code, signal));
    // A message to a worker as it ends fails (EPIPE): said, never the end of the primary.
    worker.on('error', (err) => log.warn({ worker: worker.id, err: err.message }, `worker ${worker.id}: IPC error`));
    log.info({ forked: worker.id, workerPid: worker.process.pid }, `worker ${worker.id} forked`);
  };

  /** Work nobody waits for: a failure is logged (it is a bug; the workers keep serving). */
  const background = (p: Promise<unknown>): void => {
    p.catch((err: unknown) => log.error({ err }, 'the primary failed at a task (a bug in ipdest)'));
  };
  const live = (): Slot[] => [...slots.values()].filter((s) => s.loaded && s.worker.isConnected());
  const send = (s: Slot, m: ClusterMessage): boolean => (s.worker.isConnected() ? s.worker.send(m) : false);

  /** Every worker (but `except`) reloads; resolves once each answered or ran out of time. */
  const reloadAll = async (reason: string, except?: number): Promise<boolean> => {
    for (const s of slots.values()) if (!s.loaded) s.reloadWhenLoaded = reason;
    const targets = live().filter((s) => s.worker.id !== except);
    log.info({ reason, workers: targets.map((s) => s.worker.id) }, 'reloading the workers');
    const answers = await Promise.all(
      targets.map((s) =>
        s.asker
          .ask((id) => send(s, { ipdest: 'ask', id, what: 'reload', reason }), RELOAD_TIMEOUT_MS + RELOAD_GRACE_MS)
          .then((a) => a.ok === true)
          .catch((err: unknown) => {
            log.warn({ reason, worker: s.worker.id, err: (err as Error).message }, 'a worker did not answer the reload');
            return false;
          }),
      ),
    );
    return answers.every(Boolean);
  };

  /** The metrics of every worker, as one exposition, with ipdest_workers and the primary's update counts. */
  const collect = async (): Promise<string> => {
    const targets = live();
    const texts = await Promise.all(
      targets.map((s) =>
        s.asker
          .ask((id) => send(s, { ipdest: 'ask', id, what: 'collect' }), COLLECT_WAIT_MS)
          .then((a) => a.text ?? '')
          .catch(() => ''),
      ),
    );
    let extra = '# HELP ipdest_workers Worker processes serving now (serve --workers)\n# TYPE ipdest_workers gauge\n';
    extra += `ipdest_workers ${targets.filter((s) => s.listening).length}\n`;
    // The updates run here, not in a worker: their counts are the primary's (workers report none).
    let own = '';
    for (const [key, n] of updates) {
      const [list, state] = key.split('\0');
      own += `ipdest_list_updates_total{list="${esc(list!)}",state="${esc(state!)}"} ${n}\n`;
    }
    const primary = own
      ? `# HELP ipdest_list_updates_total Background list updates by outcome (updated, unchanged, held, rejected, failed)\n# TYPE ipdest_list_updates_total counter\n${own}`
      : '';
    return mergeMetrics([...texts.filter(Boolean), primary], extra);
  };

  const onMessage = (slot: Slot, m: unknown): void => {
    if (!isClusterMessage(m)) return;
    const id = slot.worker.id;
    if (m.ipdest === 'answer') slot.asker.answered(m);
    else if (m.ipdest === 'loaded') {
      slot.loaded = true;
      log.info({ from: id, ms: m.ms }, `worker ${id} loaded its lists in ${m.ms} ms`);
      const again = slot.reloadWhenLoaded;
      slot.reloadWhenLoaded = null;
      if (again !== null)
        background(slot.asker.ask((qid) => send(slot, { ipdest: 'ask', id: qid, what: 'reload', reason: again }), RELOAD_TIMEOUT_MS + RELOAD_GRACE_MS));
      if (!refreshStarted && !closing) {
        refreshStarted = true;
        refresh.start().catch((err: unknown) => log.error({ err }, 'the refresh schedule did not start (a bug in ipdest)'));
      }
    } else if (m.ipdest === 'reload-others') background(reloadAll(m.reason, id));
    else if (m.ipdest === 'ask' && m.what === 'metrics') background(collect().then((text) => send(slot, { ipdest: 'answer', id: m.id, text })));
  };

  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));
  let exitCode: number = EXIT_OK;

  const onExit = (slot: Slot, code: number | null, signal: string | null): void => {
    slots.delete(slot.worker.id);
    slot.asker.closeAll('the worker ended');
    const fields = { exited: slot.worker.id, workerPid: slot.worker.process.pid, code, signal };
    if (closing) {
      if (code !== 0) exitCode = EXIT_FAILURE;
      log.info(fields, `worker ${slot.worker.id} stopped`);
      if (slots.size === 0) finish(exitCode);
      return;
    }
    if (!everListened) {
      // Not one worker has served yet (the port is taken, say): forking again would fail again.
      log.error(fields, `worker ${slot.worker.id} ended before any worker listened: stopping`);
      shutdown('SIGTERM', EXIT_FAILURE);
      return;
    }
    const lived = Date.now() - slot.forkedAt;
    failingAtStart = lived < HEALTHY_AFTER_MS ? failingAtStart + 1 : 0;
    const wait = failingAtStart === 0 ? 0 : Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (failingAtStart - 1));
    log.error({ ...fields, livedMs: lived, restartInMs: wait }, `worker ${slot.worker.id} ended unexpectedly: starting another`);
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!closing) fork();
    }, wait);
    restarts.add(timer);
  };

  const refresh = new RefreshSchedule(
    {
      config,
      baseDir: opts.baseDir,
      noteUpdate: (o: UpdateOutcome) => {
        const key = `${o.name}\0${o.state}`;
        updates.set(key, (updates.get(key) ?? 0) + 1);
      },
      reload: (reason: string) => reloadAll(reason),
    },
    log,
    opts.refresh,
  );
  if (refresh.lists.length > 0) log.info({ lists: refresh.lists.map((l) => `${l.name} every ${Math.round(l.everyMs / 60_000)} min`) }, 'refresh schedule');
  const unwatch = watchListFolders(config, opts.baseDir, log, () => background(reloadAll('file change')));

  let killTimer: NodeJS.Timeout | null = null;
  const shutdown = (signal: NodeJS.Signals, code: number = EXIT_OK): void => {
    if (closing) return;
    closing = true;
    exitCode = code;
    log.info({ signal, workers: slots.size }, 'shutting down: each worker finishes its requests in flight');
    refresh.stop();
    unwatch();
    for (const t of restarts) clearTimeout(t);
    restarts.clear();
    if (slots.size === 0) return finish(exitCode);
    for (const s of slots.values()) if (!send(s, { ipdest: 'shutdown' })) s.worker.process.kill('SIGTERM');
    killTimer = setTimeout(() => {
      log.warn({ workers: [...slots.keys()] }, 'workers still running past the shutdown limit: killed');
      exitCode = EXIT_FAILURE;
      for (const s of slots.values()) s.worker.process.kill('SIGKILL');
    }, config.server.shutdownTimeout + KILL_GRACE_MS);
    killTimer.unref();
  };

  process.on('unhandledRejection', (err: unknown) => log.error({ err }, 'unhandled rejection (a bug in ipdest)'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  // Kept while closing (ignored then): without a listener, SIGHUP's default action ends the process.
  process.on('SIGHUP', () => {
    if (!closing) background(reloadAll('SIGHUP'));
  });

  // Each worker accepts on the shared socket itself (the kernel hands out connections): the
  // primary's round-robin would pass every connection over IPC, and one passed to a worker as it
  // dies is held open unanswered. NODE_CLUSTER_SCHED_POLICY=rr chooses round-robin anyway.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  log.info({ workers: opts.workers, scheduling: cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none' }, `starting ${opts.workers} workers`);
  for (let i = 0; i < opts.workers; i++) fork();

  return done.then(async (code) => {
    if (killTimer) clearTimeout(killTimer);
    await Promise.race([stopParseThread().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    log.info(code === EXIT_OK ? 'stopped' : 'stopped, not cleanly');
    return code;
  });
}

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
