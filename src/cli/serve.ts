// `ipdest serve`: the HTTP service with hot reload (SIGHUP, file changes, /admin/reload) and graceful shutdown; one process, or a worker of `--workers N`.
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { pino, type Logger } from 'pino';
import { loadConfig, MAX_WORKERS, proxyEnv } from '../config/index.js';
import { buildApp } from '../http/index.js';
import { RefreshSchedule, ServiceState } from '../service/index.js';
import { isStale, stopParseThread } from '../lists/index.js';
import { IpdestError } from '../errors.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './report.js';
import { runPrimary } from './cluster-primary.js';
import { isClusterWorker, WorkerLink } from './cluster-worker.js';

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
  workers?: string;
}

/** ms the parse thread gets to stop at shutdown. */
const STOP_THREAD_TIMEOUT = 2000;
/**
 * ms after shutdown before the process ends itself, if something still holds it (a reload stuck
 * reading a file): it then ends as an unhandled SIGTERM would. A clean stop ends well before.
 */
const EXIT_GRACE = 1000;

export async function runServe(opts: ServeOptions, io: { stderr: NodeJS.WritableStream }): Promise<number> {
  const loaded = loadConfig(opts.config);
  const server = loaded.config.server;
  if (opts.host) server.host = opts.host;
  if (opts.port !== undefined) {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.stderr.write(`ipdest: error: --port must be a port number, got ${JSON.stringify(opts.port)}\n`);
      return EXIT_USAGE;
    }
    server.port = port;
  }
  if (opts.workers !== undefined) {
    const given = opts.workers.trim().toLowerCase();
    const n = Number(given);
    if (given !== 'auto' && !(Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS)) {
      io.stderr.write(`ipdest: error: --workers must be a number from 1 to ${MAX_WORKERS}, or auto; got ${JSON.stringify(opts.workers)}\n`);
      return EXIT_USAGE;
    }
    server.workers = given === 'auto' ? 'auto' : n;
  }
  const workers = server.workers === 'auto' ? availableParallelism() : server.workers;
  const worker = isClusterWorker() ? new WorkerLink(pino({ name: 'ipdest', level: server.logLevel }).child({ worker: workerId() })) : null;
  const root = pino({ name: 'ipdest', level: server.logLevel });
  // Under --workers N every line says which process wrote it: 0 the primary, 1.. the workers.
  const logger = worker !== null ? root.child({ worker: workerId() }) : workers > 1 ? root.child({ worker: 0 }) : root;
  if (worker === null && workers > 1) {
    logger.info({ config: loaded.file ?? '(embedded defaults)', lists: loaded.config.lists.length, workers }, 'starting');
    return runPrimary({ config: loaded.config, baseDir: loaded.baseDir, workers, log: logger, refresh: { update: { download: { proxy: proxyEnv() } } } });
  }
  const startedAt = performance.now();
  logger.info(
    {
      config: loaded.file ?? '(embedded defaults)',
      lists: loaded.config.lists.length,
      rules: loaded.config.rules.list.length,
      adminReload: Boolean(server.adminToken),
    },
    'starting',
  );
  const state = new ServiceState(loaded.config, loaded.baseDir, logger);
  const app = await buildApp({ state, logger, cluster: worker?.hooks });
  // The owner layer first, so that the first answers already carry owners (~0.2 s from its
  // cache; the first start builds it, a few seconds, and says so).
  const firstLoad = () =>
    state
      .loadOwners()
      .then((o) => {
        if (o.state === 'failed') logger.warn({ error: o.error }, `owner layer not loaded (results carry no owner): ${o.error}`);
        else if (o.state === 'loaded')
          logger.info(
            { cached: o.cached, ms: Math.round(o.ms), prefixes: o.prefixes, sources: o.sources.map((x) => x.name) },
            o.cached ? 'owner layer read from its cache' : 'owner layer built',
          );
      })
      .then(() => state.reload('start'));
  // A worker listens once its lists are in: the port is served by the other workers meanwhile,
  // and a replacement never answers 503 NOT_READY in their stead. One process listens first.
  const early = worker !== null ? firstLoad() : null;
  if (early !== null)
    await early.then(
      () => undefined,
      () => undefined,
    );
  try {
    await app.listen({ host: server.host, port: server.port });
  } catch (err) {
    await app.close();
    worker?.close(EXIT_FAILURE); // a worker that cannot listen ends (its IPC channel would hold it)
    const code = (err as NodeJS.ErrnoException).code;
    throw new IpdestError(
      'LISTEN_FAILED',
      `cannot listen on ${server.host}:${server.port}: ${code ?? ''} ${(err as Error).message}`.trim(),
      code === 'EADDRINUSE' ? 'another process holds the port: stop it, or choose one with --port / IPDEST_PORT' : undefined,
    );
  }
  // A rejection nobody handles (a reload's follow-up, say) is logged; it does not end the server.
  process.on('unhandledRejection', (err: unknown) => logger.error({ err }, 'unhandled rejection (a bug in ipdest)'));

  // Lists with a `refresh` interval are re-checked from their source while serving (by the
  // primary under --workers N: a worker only names them in its stale warnings).
  const refresh = new RefreshSchedule(state, logger, { update: { download: { proxy: proxyEnv() } } });
  if (refresh.lists.length > 0) logger.info({ lists: refresh.lists.map((l) => `${l.name} every ${Math.round(l.everyMs / 60_000)} min`) }, 'refresh schedule');
  // Each reload says which lists are past their max age (an old snapshot, a download not refreshed).
  state.onReload(() => {
    // The parse thread's heap (tens of MB after Azure's file) is not needed until the next
    // reload: ended now, started again then (bench/idle.ts: the idle server's RSS).
    stopParseThread().catch((err: unknown) => logger.warn({ err }, 'the parse thread did not stop'));
    const now = Date.now();
    for (const l of state.lists.lists)
      if (l.format !== 'builtin' && l.source !== null && isStale(l, now))
        logger.warn(
          { list: l.name, source: l.source, published: l.published, fetchedAt: l.fetchedAt, staleAt: l.staleAt },
          `list ${l.name} is stale (${l.source}${l.published ? `, published ${l.published}` : ''}): ${refresh.lists.some((r) => r.name === l.name) ? 'the refresh schedule fetches it' : 'run ipdest lists update, or set refresh on it'}`,
        );
  });

  return new Promise<number>((resolve) => {
    let closing = false;
    const reload = (reason: string): void => {
      state.reload(reason).catch((err: unknown) => {
        if (!closing) logger.error({ err, reason }, 'reload failed (a bug in ipdest); the lists in service stay');
      });
    };
    // Kept while closing (ignored then): without a listener, SIGHUP's default action ends the process.
    // A worker's reloads come from the primary, which takes SIGHUP (a terminal's hangup reaches both).
    const onHup = () => {
      if (!closing && worker === null) reload('SIGHUP');
    };
    const shutdown = (signal: NodeJS.Signals, code: number = EXIT_OK, why?: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal: why ? undefined : signal, reason: why }, 'shutting down: finishing requests in flight');
      state.close();
      refresh.stop();
      // Never waits on a reload: one still running is left behind (the process ends regardless).
      app
        .shutdown()
        .then(
          async ({ drained }) => {
            await withTimeout(stopParseThread(), STOP_THREAD_TIMEOUT);
            logger.info(drained ? 'stopped' : 'stopped; answers still in flight at the time limit were cut');
            return drained ? code : EXIT_FAILURE;
          },
          (err: unknown) => {
            logger.error({ err }, 'error while closing');
            return EXIT_FAILURE;
          },
        )
        .then((exit) => {
          // A worker lets go of its IPC channel, which would hold the process.
          worker?.close(exit);
          endIfHeld(logger, signal);
          resolve(exit);
        })
        .catch((err: unknown) => {
          logger.error({ err }, 'error while stopping (a bug in ipdest)');
          resolve(EXIT_FAILURE);
        });
    };
    // Listening first: /healthz answers at once, /readyz turns 200 when the lists are in. Signals
    // are handled from here on, also while the first load runs.
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGHUP', onHup);
    worker?.serve({
      reload: (reason) => state.reload(reason).then((o) => o.ok),
      metrics: () => app.metrics.render(),
      shutdown: () => shutdown('SIGTERM'),
    });
    (early ?? firstLoad()).then(
      () => {
        if (closing) return;
        if (worker !== null) {
          // The lists are parsed in each worker (the owner layer read from its checked cache): what that costs, once.
          const ms = Math.round(performance.now() - startedAt);
          logger.info({ ms }, `worker loaded its lists in ${ms} ms`);
          worker.loaded(ms);
          return; // the primary watches the files and runs the refresh schedule
        }
        state.watchFiles();
        refresh.start().catch((err: unknown) => logger.error({ err }, 'the refresh schedule did not start (a bug in ipdest)'));
      },
      (err: unknown) => {
        if (closing) return; // stopped while loading: the parse thread was stopped under it
        logger.error({ err }, 'the first load of the lists failed (a bug in ipdest)');
        shutdown('SIGTERM', EXIT_FAILURE, 'first load failed');
      },
    );
  });
}

/** This worker's cluster id (1, 2, ...; a replacement gets the next). */
function workerId(): number {
  return cluster.worker?.id ?? 0;
}

/** Resolves when `p` settles or after `ms`, whichever is first; never rejects. */
function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The server is closed; the process ends when nothing else holds it. Something that does (a
 * reload stuck reading a file) would keep it forever, and process.exit() itself waits for a
 * thread blocked in a read: after EXIT_GRACE the signal is raised again with its default action.
 */
function endIfHeld(logger: Logger, signal: NodeJS.Signals): void {
  setTimeout(() => {
    logger.warn({ signal, graceMs: EXIT_GRACE }, 'still held after shutdown (a reload stuck?): ending by the signal');
    // The log line goes out through the thread pool (pino writes asynchronously): a moment for it.
    setTimeout(() => {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }, 100).unref();
  }, EXIT_GRACE).unref();
}
