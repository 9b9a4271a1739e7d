// The baseline server of bench/http.ts: an echo route in a bare Fastify, no plugins, no logger.
import Fastify from 'fastify';

const app = Fastify({ logger: false, keepAliveTimeout: 72_000 });
app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => {
  try { done(null, JSON.parse(body)); } catch (err) { done(err); }
});
app.post('/echo', async (request) => request.body);
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${app.server.address().port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
