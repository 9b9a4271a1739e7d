// Baseline servers of the http benches: MODE=bare a Fastify echo route (no plugins, no logger),
// MODE=raw a node:http echo, MODE=lean a Fastify app with one POST /lookup route giving ipdest's answer.
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import Fastify from 'fastify';

const mode = process.env.MODE ?? 'bare';
const KEEP_ALIVE = 72_000;

async function main() {
  if (mode === 'raw') {
    const server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    });
    server.keepAliveTimeout = KEEP_ALIVE;
    await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
    return { port: server.address().port, close: () => new Promise((ok) => server.close(ok)) };
  }
  const app = Fastify({ logger: false, keepAliveTimeout: KEEP_ALIVE });
  app.addContentTypeParser(['text/plain', 'application/json'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(err);
    }
  });
  if (mode === 'lean') {
    // The same answer ipdest gives, from the same lists, in the leanest Fastify route.
    const dist = resolve(dirname(new URL(import.meta.url).pathname), '..', 'dist');
    const { loadConfig } = await import(resolve(dist, 'config/index.js'));
    const { loadLists } = await import(resolve(dist, 'lists/index.js'));
    const { Enricher, Rules } = await import(resolve(dist, 'enrich/index.js'));
    const { answerLookup, auditFeed } = await import(resolve(dist, 'http/lookup-answer.js'));
    const { LiveAudit } = await import(resolve(dist, 'audit/index.js'));
    const loaded = loadConfig(process.argv[2]);
    const set = await loadLists(loaded.config.lists, { baseDir: loaded.baseDir, builtins: loaded.config.builtins });
    const enricher = new Enricher(set.classifier, loaded.config.enrich, new Rules(loaded.config.rules.list, loaded.config.rules.default));
    const noMetrics = { countLookup() {} };
    // The same answer as ipdest's, live audit count included.
    const feed = auditFeed(new LiveAudit(), 'POST /lookup');
    app.post('/lookup', async (request, reply) => reply.type('application/json; charset=utf-8').send(answerLookup(enricher, request.body, noMetrics, feed)));
  } else {
    app.post('/echo', async (request) => request.body);
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: app.server.address().port, close: () => app.close() };
}

const server = await main();
process.stdout.write(`listening ${server.port}\n`);
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
