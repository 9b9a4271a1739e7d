// Routes GET /lookup/:ip, POST /lookup, POST /lookup/batch: one address (or event) in, the result out.
import type { FastifyInstance } from 'fastify';
import { detailsJson, isFailure, isPlainObject } from '../../enrich/index.js';
import type { LookupFailure, LookupResult } from '../../lists/index.js';
import { HttpError, sendError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { ServiceState } from '../service-state.js';

export interface RouteDeps {
  state: ServiceState;
  metrics: Metrics;
  batchLimit: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function labelOf(r: LookupResult | LookupFailure | { error: { code: string } }): string {
  return 'error' in r ? r.error.code : (r as LookupResult).label;
}

export async function lookupRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { state, metrics } = deps;

  app.get<{ Params: { ip: string } }>('/lookup/:ip', {
    schema: {
      summary: 'Look up one address (Graylog HTTP JSONPath adapter: single value $.label, multi value $)',
      params: { type: 'object', properties: { ip: { type: 'string', description: 'the address, URL-encoded (IPv6 and zones too)' } } },
      response: { 200: { $ref: 'LookupResult#' }, 400: { $ref: 'Error#' } },
    },
  }, async (request, reply) => {
    const r = state.enricher.lookup(request.params.ip);
    metrics.countLookup(labelOf(r));
    if ('error' in r) return sendError(reply, r.error.code, r.error.message);
    return reply.type(JSON_TYPE).send(detailsJson(r));
  });

  app.post<{ Body: Record<string, unknown> }>('/lookup', {
    schema: {
      summary: 'Look up {"ip": "…"}, or an event judged with its port, image and direction (Logstash http filter)',
      body: { type: 'object', description: '{"ip": "…"} or a whole event' },
      response: { 200: { $ref: 'LookupResult#' } },
    },
  }, async (request, reply) => {
    const body = request.body;
    if (!isPlainObject(body)) throw new HttpError('BAD_REQUEST', 'the body must be a JSON object: {"ip": "…"} or an event');
    const enricher = state.enricher;
    let r: object = enricher.judge(body);
    // {"ip": …} when `ip` is not among enrich.addressFields: answer it all the same.
    if (isFailure(r as never) && (r as LookupFailure).error.code === 'NO_ADDRESS' && typeof body.ip === 'string' && !('field' in (r as LookupFailure).error)) r = enricher.lookup(body.ip);
    metrics.countLookup(labelOf(r as LookupResult));
    return reply.type(JSON_TYPE).send(detailsJson(r as LookupResult));
  });

  app.post<{ Body: { ips: unknown[] } }>('/lookup/batch', {
    schema: {
      summary: 'Look up many addresses: {"ips": […]} → {"results": […]} in order, errors inside',
      body: { type: 'object', required: ['ips'], properties: { ips: { type: 'array' } } },
    },
  }, async (request, reply) => {
    const { ips } = request.body;
    if (ips.length > deps.batchLimit) throw new HttpError('BATCH_TOO_LARGE', `${ips.length} addresses; server.batchLimit is ${deps.batchLimit}`);
    const enricher = state.enricher;
    const results = new Array<unknown>(ips.length);
    for (let i = 0; i < ips.length; i++) {
      const ip = ips[i];
      const r = typeof ip === 'string'
        ? enricher.lookup(ip)
        : { input: ip === null || ip === undefined ? '' : JSON.stringify(ip), error: { code: 'INVALID_ADDRESS', message: `element ${i} is ${ip === null ? 'null' : typeof ip}, not an address text` }, action: 'keep' };
      metrics.countLookup(labelOf(r as LookupResult));
      results[i] = r;
    }
    return reply.type(JSON_TYPE).send(JSON.stringify({ results }));
  });
}
