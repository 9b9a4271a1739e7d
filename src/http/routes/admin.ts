// Route POST /admin/reload: bearer-token protected; registered only when a token is configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import type { RouteDeps } from './lookup.js';
import { listsBody } from './lists.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function adminRoutes(app: FastifyInstance, deps: RouteDeps & { token: string }): Promise<void> {
  // Both sides hashed to 32 bytes: timingSafeEqual needs equal lengths, and the comparison then
  // leaks neither the token's content nor its length.
  const want = digest(deps.token);
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!timingSafeEqual(digest(given), want)) {
      reply.header('www-authenticate', 'Bearer realm="ipdest"');
      return sendError(reply, 'UNAUTHORIZED', 'POST /admin/reload needs Authorization: Bearer <IPDEST_ADMIN_TOKEN>');
    }
  });
  app.post('/admin/reload', {
    schema: {
      summary: 'Reload every list from disk; 422 when one failed (it keeps its last good version)',
      security: [{ bearer: [] }],
      response: { 200: { $ref: 'Lists#' }, 401: { $ref: 'Error#' }, 422: { $ref: 'Lists#' } },
    },
  }, async (_request, reply) => {
    const outcome = await deps.state.reload('POST /admin/reload');
    return reply.code(outcome.ok ? 200 : 422).type('application/json; charset=utf-8').send(listsBody(outcome.set));
  });
}
