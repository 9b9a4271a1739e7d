// Routes GET /healthz (liveness), GET /readyz (readiness: the lists in service) and GET /metrics (Prometheus text).
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from './lookup.js';

export async function healthRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/healthz', { schema: { summary: 'Liveness' } }, async (_req, reply) => reply.type('application/json; charset=utf-8').send('{"status":"ok"}'));
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: 200 ready or degraded (a list missing or failed); 503 before the first load and while a required list is not in',
        response: { 200: { $ref: 'Readiness#' }, 503: { $ref: 'Readiness#' } },
      },
    },
    async (_req, reply) => {
      const r = deps.state.readiness();
      const set = deps.state.ready ? deps.state.lists : null;
      const body = {
        status: r.status,
        missing: r.missing,
        stale: r.stale,
        failed: r.failed,
        waitingFor: r.waitingFor,
        ...(set ? { lists: set.lists.length, builtAt: set.builtAt } : {}),
        ...(r.status === 'degraded' ? { message: r.message } : {}),
        ...(r.status === 'not-ready' ? { error: { code: 'NOT_READY', message: r.message } } : {}),
      };
      return reply
        .code(r.status === 'not-ready' ? 503 : 200)
        .type('application/json; charset=utf-8')
        .send(JSON.stringify(body));
    },
  );
  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type(deps.metrics.contentType).send(deps.cluster ? await deps.cluster.metrics() : await deps.metrics.render()),
  );
}
