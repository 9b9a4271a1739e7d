// `ipdest serve`: the HTTP service with hot reload (SIGHUP, file changes, /admin/reload) and graceful shutdown.
import { pino } from 'pino';
import { loadConfig } from '../config/index.js';
import { buildApp } from '../http/index.js';
import { ServiceState } from '../service/index.js';
import { stopParseThread } from '../lists/index.js';
import { IpdestError } from '../errors.js';
import { EXIT_OK, EXIT_USAGE } from './report.js';

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
}

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
  const logger = pino({ name: 'ipdest', level: process.env.LOG_LEVEL ?? 'info' });
  logger.info({ config: loaded.file ?? '(embedded defaults)', lists: loaded.config.lists.length, rules: loaded.config.rules.list.length, adminReload: Boolean(server.adminToken) }, 'starting');
  const state = new ServiceState(loaded.config, loaded.baseDir, logger);
  const app = await buildApp({ state, logger });
  try {
    await app.listen({ host: server.host, port: server.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new IpdestError('LISTEN_FAILED', `cannot listen on ${server.host}:${server.port}: ${code ?? ''} ${(err as Error).message}`.trim(),
      code === 'EADDRINUSE' ? 'another process holds the port: stop it, or choose one with --port / IPDEST_PORT' : undefined);
  }
  // Listening first: /healthz answers at once, /readyz turns 200 when the lists are in.
  await state.reload('start');
  state.watchFiles();

  const onHup = () => { void state.reload('SIGHUP'); };
  process.on('SIGHUP', onHup);
  return new Promise<number>((resolve) => {
    let closing = false;
    const shutdown = (signal: string) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, 'shutting down: finishing requests in flight');
      process.off('SIGHUP', onHup);
      state.close();
      app.close().then(() => stopParseThread()).then(() => {
        logger.info('stopped');
        resolve(EXIT_OK);
      }, (err) => {
        logger.error({ err }, 'error while closing');
        resolve(1);
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
