// Routes GET /lookup/:ip, POST /lookup, POST /lookup/batch: one address (or event) in, the result out.
import type { FastifyInstance } from 'fastify';
import { buildFailure, jsonKind, labelOf, type LookupFailure } from '../../enrich/index.js';
import { IpdestError } from '../../errors.js';
import { sendError } from '../errors.js';
import { answerLookup, auditFeed } from '../lookup-answer.js';
import type { Metrics } from '../metrics.js';
import type { ServiceState } from '../../service/index.js';

export interface RouteDeps {
  state: ServiceState;
  metrics: Metrics;
  batchLimit: number;
  /** Set in a worker of `serve --workers N`: /metrics and /admin/reload reach the other workers through the primary. */
  cluster?: ClusterHooks;
}

/** What a worker's routes ask of the primary (src/cli/cluster-worker.ts answers). */
export interface ClusterHooks {
  /** The metrics of every worker, aggregated (GET /metrics). */
  metrics(): Promise<string>;
  /** Asks the primary to reload every other worker (POST /admin/reload reloads this one itself). */
  reloadOthers(reason: string): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export async function lookupRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { state, metrics } = deps;
  // POST /lookup's events count in GET /audit (the fast path feeds the same source); address-only lookups do not.
  const feed = auditFeed(state.audit, 'POST /lookup');

  app.get<{ Params: { ip: string } }>(
    '/lookup/:ip',
    {
      schema: {
        summary: 'Look up one address (Graylog HTTP JSONPath adapter: single value $.label, multi value $)',
        params: { type: 'object', properties: { ip: { type: 'string', description: 'the address, URL-encoded (IPv6 and zones too)' } } },
        response: { 200: { $ref: 'LookupResult#' }, 400: { $ref: 'Error#' } },
      },
    },
    async (request, reply) => {
      const enricher = state.enricher;
      let failed = false;
      const json = enricher.lookupJson(request.params.ip, (label, f, threat) => {
        metrics.countLookup(label, threat);
        failed = f;
      });
      if (failed) {
        // Rare: the failure again as an object, for the error body.
        const r = enricher.lookup(request.params.ip) as LookupFailure;
        return sendError(reply, r.error.code, r.error.message);
      }
      return reply.type(JSON_TYPE).send(json);
    },
  );

  app.post<{ Body: Record<string, unknown> }>(
    '/lookup',
    {
      schema: {
        summary: 'Look up {"ip": "…"}, or an event judged with its port, image and direction (Logstash http filter)',
        body: { type: 'object', description: '{"ip": "…"} or a whole event' },
        response: { 200: { $ref: 'LookupResult#' } },
      },
    },
    async (request, reply) => {
      // The common case of this route is answered by fast-lookup.ts before Fastify sees it.
      return reply.type(JSON_TYPE).send(answerLookup(state.enricher, request.body, metrics, feed));
    },
  );

  app.post<{ Body: { ips: unknown[] } }>(
    '/lookup/batch',
    {
      schema: {
        summary: 'Look up many addresses: {"ips": […]} → {"results": […]} in order, errors inside',
        body: { type: 'object', required: ['ips'], properties: { ips: { type: 'array' } } },
        response: { 200: { $ref: 'LookupResults#' } },
      },
    },
    async (request, reply) => {
      const { ips } = request.body;
      if (ips.length > deps.batchLimit) throw new IpdestError('BATCH_TOO_LARGE', `${ips.length} addresses; server.batchLimit is ${deps.batchLimit}`);
      const enricher = state.enricher;
      const count = (label: string, _failed: boolean, threat: boolean): void => metrics.countLookup(label, threat);
      if (ips.every((ip) => typeof ip === 'string')) {
        // The batch path: prebuilt answers, repeated addresses from the answer cache.
        const cache = enricher.answerCache;
        const hits = cache.hits;
        const misses = cache.misses;
        const results = enricher.lookupMany(ips as string[], count);
        metrics.countAnswerCache(cache.hits - hits, cache.misses - misses);
        return reply.type(JSON_TYPE).send(`{"results":[${results.join(',')}]}`);
      }
      const results = new Array<string>(ips.length);
      for (let i = 0; i < ips.length; i++) {
        const ip = ips[i];
        // A non-string element is named by its JSON type; only a number or boolean is echoed (an
        // array or object nested deeply could not be serialised).
        if (typeof ip === 'string') {
          results[i] = enricher.lookupJson(ip, count);
          continue;
        }
        const r = buildFailure(
          'INVALID_ADDRESS',
          `ips[${i}] is ${jsonKind(ip)}, not an address text`,
          {},
          typeof ip === 'number' || typeof ip === 'boolean' ? { input: String(ip) } : undefined,
        );
        metrics.countLookup(labelOf(r), 'threat' in r);
        results[i] = JSON.stringify(r);
      }
      return reply.type(JSON_TYPE).send(`{"results":[${results.join(',')}]}`);
    },
  );
}
