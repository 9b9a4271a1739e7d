// Route POST /admin/reload: bearer-token protected when a token is configured; otherwise a 404 saying how to enable it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import type { RouteDeps } from './lookup.js';
import { listsBody } from './lists.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function adminRoutes(app: FastifyInstance, deps: RouteDeps & { token: string }): Promise<void> {
  const holds = tokenCheck(deps.token);
  app.addHook('onRequest', async (request, reply) => {
    if (!holds(request.headers.authorization)) {
      reply.header('www-authenticate', 'Bearer realm="ipdest"');
      return sendError(reply, 'UNAUTHORIZED', 'POST /admin/reload needs Authorization: Bearer <IPDEST_ADMIN_TOKEN>');
    }
  });
  app.post(
    '/admin/reload',
    {
      schema: {
        summary: 'Reload every list from disk; 422 when one failed (it keeps its last good version)',
        security: [{ bearer: [] }],
        response: { 200: { $ref: 'Lists#' }, 401: { $ref: 'Error#' }, 422: { $ref: 'Lists#' } },
      },
    },
    async (_request, reply) => {
      // Under `serve --workers N` the other workers reload too; the answer is this worker's own.
      deps.cluster?.reloadOthers('POST /admin/reload');
      const outcome = await deps.state.reload('POST /admin/reload');
      return reply
        .code(outcome.ok ? 200 : 422)
        .type('application/json; charset=utf-8')
        .send(listsBody(outcome.set, { full: true, owners: deps.state.owners }));
    },
  );
}

/** Whether an Authorization header carries the admin token. */
export function tokenCheck(token: string): (authorization: string | undefined) => boolean {
  // Both sides hashed to 32 bytes: timingSafeEqual needs equal lengths, and the comparison then
  // leaks neither the token's content nor its length.
  const want = digest(token);
  return (authorization) => timingSafeEqual(digest(bearerToken(authorization)), want);
}

/** The token of `Authorization: Bearer <token>`: the scheme in any case (RFC 7235), the token exact; '' when absent. */
export function bearerToken(header: string | undefined): string {
  const m = header === undefined ? null : /^bearer +(.*)$/i.exec(header);
  return m ? m[1]! : '';
}

export const RELOAD_DISABLED = 'POST /admin/reload is disabled: set IPDEST_ADMIN_TOKEN (or server.adminToken), at least 16 characters';

/** POST /admin/reload without a configured token: 404, and the message says how to turn it on. */
export async function adminDisabledRoutes(app: FastifyInstance): Promise<void> {
  app.post('/admin/reload', { schema: { hide: true } }, async (_request, reply) => sendError(reply, 'NOT_FOUND', RELOAD_DISABLED));
}
