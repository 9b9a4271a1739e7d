// Routes GET /healthz (liveness), GET /readyz (lists loaded) and GET /metrics (Prometheus text).
import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import type { RouteDeps } from './lookup.js';

export async function healthRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/healthz', { schema: { summary: 'Liveness' } }, async (_req, reply) => reply.type('application/json; charset=utf-8').send('{"status":"ok"}'));
  app.get('/readyz', { schema: { summary: 'Readiness: 200 once the lists are loaded' } }, async (_req, reply) => {
    if (!deps.state.ready) return sendError(reply, 'NOT_READY');
    const { lists, builtAt } = deps.state.lists;
    return reply.type('application/json; charset=utf-8').send(JSON.stringify({ status: 'ready', lists: lists.length, builtAt }));
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
}
