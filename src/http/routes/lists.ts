// Route GET /lists: each list's state, version, counts, load time and last error.
import type { FastifyInstance } from 'fastify';
import type { ListSet, LoadedList } from '../../lists/index.js';
import type { RouteDeps } from './lookup.js';

export function listView(l: LoadedList) {
  return {
    name: l.name, tag: l.tag, format: l.format, source: l.source, version: l.version, loadedAt: l.loadedAt,
    state: l.state, prefixes: l.prefixes, warnings: l.warnings, error: l.error,
  };
}

export function listsBody(set: ListSet): string {
  return JSON.stringify({ lists: set.lists.map(listView) });
}

export async function listsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/lists', { schema: { summary: 'The lists in service', response: { 200: { $ref: 'Lists#' } } } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(listsBody(deps.state.lists)));
}
