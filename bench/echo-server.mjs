// The baseline servers of bench/http.ts: an echo route in a bare Fastify, or inside ipdest's own app.
// MODE=bare: Fastify with no plugins or logger. MODE=app: buildApp (logger, metrics, overload guard,
// docs) over the same config as the service, plus an echo route: the same process setup.
import Fastify from 'fastify';

const mode = process.env.MODE ?? 'bare';
let app;
if (mode === 'app') {
  const { pino } = await import('pino');
  const { loadConfig } = await import('../dist/config/index.js');
  const { buildApp, ServiceState } = await import('../dist/http/index.js');
  const loaded = loadConfig(process.argv[2]);
  const logger = pino({ level: 'warn' });
  const state = new ServiceState(loaded.config, loaded.baseDir, logger);
  app = await buildApp({ state, logger });
  await state.reload('bench');
} else {
  app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, JSON.parse(body)); } catch (err) { done(err); }
  });
}
app.post('/echo', async (request) => request.body);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
