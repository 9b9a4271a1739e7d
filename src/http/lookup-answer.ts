// The answer to POST /lookup, shared by the Fastify route and the fast path: the parsed body in, the result's JSON (from the prebuilt answers) out.
import type { FileTally, LiveAudit } from '../audit/index.js';
import { hostOfEvent, isFailure, isPlainObject, labelOf } from '../enrich/index.js';
import type { Enricher } from '../enrich/index.js';
import { IpdestError } from '../errors.js';
import type { Metrics } from './metrics.js';

/** Fastify's validation message for a body that is not an object (the route schema says `type: object`). */
export const NOT_AN_OBJECT = 'body must be object';

/** Where a route's answered events are counted for GET /audit: the live audit and the route's source in it. */
export interface AuditFeed {
  readonly audit: LiveAudit;
  readonly source: FileTally;
}

/** The feed of one route: its source made once, at registration, so a request only counts. */
export function auditFeed(audit: LiveAudit, route: string): AuditFeed {
  return { audit, source: audit.source(route) };
}

/**
 * {"ip": "…"}, or a whole event judged with its port, image and direction: the result as JSON.
 * Errors about the address are answered inside the result; a body that is not an object throws.
 */
export function answerLookup(enricher: Enricher, body: unknown, metrics: Metrics, feed: AuditFeed): string {
  if (!isPlainObject(body)) throw new IpdestError('BAD_REQUEST', NOT_AN_OBJECT);
  const { result, json } = enricher.judgeText(body);
  // {"ip": …} when `ip` is not among enrich.addressFields: answer it all the same.
  if (isFailure(result) && result.error.code === 'NO_ADDRESS' && typeof body.ip === 'string' && !('field' in result.error)) {
    // Rare (a config without `ip` in addressFields): the result once more as an object, for the audit.
    feed.audit.add(feed.source, enricher.lookup(body.ip));
    return enricher.lookupJson(body.ip, (label, _failed, threat) => metrics.countLookup(label, threat));
  }
  metrics.countLookup(labelOf(result), 'threat' in result);
  feed.audit.add(feed.source, result, hostOfEvent(body));
  return json;
}
