// Routes GET /audit (the live "who are we connecting to?" report: JSON, or HTML when asked) and POST /audit/reset (admin token).
import type { FastifyInstance } from 'fastify';
import { renderHtml, renderJson } from '../../audit/index.js';
import { sendError } from '../errors.js';
import { tokenCheck } from './admin.js';
import type { RouteDeps } from './lookup.js';

/** What the HTML page allows: nothing from outside, as the page's own meta element says (render-html.ts). */
const HTML_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

export const RESET_DISABLED = 'POST /audit/reset is disabled: set IPDEST_ADMIN_TOKEN (or server.adminToken), at least 16 characters';

/** The quality an Accept header gives a media type (exactly named; `*` wildcards are not a request for HTML). */
function quality(accept: string, type: string): number {
  for (const part of accept.split(',')) {
    const [media, ...params] = part.split(';');
    if (media!.trim().toLowerCase() !== type) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)).find((m) => m !== null);
    const n = q ? Number(q[1]) : 1;
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}

/** HTML when the client names text/html at least as high as application/json (a browser); JSON otherwise (curl sends any type). */
export function wantsHtml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const html = quality(accept, 'text/html');
  return html > 0 && html >= quality(accept, 'application/json');
}

export async function auditRoutes(app: FastifyInstance, deps: RouteDeps & { token: string | undefined }): Promise<void> {
  const audit = deps.state.audit;
  app.get<{ Querystring: { format?: 'json' | 'html'; top?: number } }>(
    '/audit',
    {
      schema: {
        summary:
          'The audit report over the events answered since start (POST /enrich, /enrich/batch, /lookup): the JSON of `ipdest audit --format json`, HTML with Accept: text/html',
        querystring: {
          type: 'object',
          properties: {
            format: { type: 'string', enum: ['json', 'html'], description: 'overrides the Accept header' },
            top: { type: 'integer', minimum: 1, maximum: 100000, default: 50, description: 'rows per table in the HTML page' },
          },
        },
        response: { 200: { $ref: 'AuditReport#' } },
      },
    },
    async (request, reply) => {
      const report = audit.report();
      const html = request.query.format === undefined ? wantsHtml(request.headers.accept) : request.query.format === 'html';
      // Either form depends on the Accept header: caches keep them apart.
      reply.header('vary', 'accept').header('cache-control', 'no-store');
      if (html)
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', HTML_CSP)
          .send(renderHtml(report, request.query.top ?? 50));
      return reply.type('application/json; charset=utf-8').send(renderJson(report));
    },
  );

  const holds = deps.token ? tokenCheck(deps.token) : null;
  app.post(
    '/audit/reset',
    {
      schema: {
        summary: 'Start the live audit again from nothing (admin token); 404 when no token is set',
        security: [{ bearer: [] }],
        response: { 401: { $ref: 'Error#' }, 404: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      if (holds === null) return sendError(reply, 'NOT_FOUND', RESET_DISABLED);
      if (!holds(request.headers.authorization)) {
        reply.header('www-authenticate', 'Bearer realm="ipdest"');
        return sendError(reply, 'UNAUTHORIZED', 'POST /audit/reset needs Authorization: Bearer <IPDEST_ADMIN_TOKEN>');
      }
      const since = audit.since;
      audit.reset();
      return reply
        .type('application/json; charset=utf-8')
        .send(JSON.stringify({ reset: true, since: new Date(audit.since).toISOString(), previousSince: new Date(since).toISOString() }));
    },
  );
}
