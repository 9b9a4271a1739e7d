// Routes POST /enrich and POST /enrich/batch: events in (JSON or NDJSON), enriched events out, in order.
import type { FastifyInstance } from 'fastify';
import { enrichLine, enrichToText, invalidEventRecord, isPlainObject, jsonKind, labelOf } from '../../enrich/index.js';
import { NdjsonBody, registerNdjsonParser } from '../body.js';
import { HttpError } from '../errors.js';
import type { RouteDeps } from './lookup.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON_TYPE = 'application/x-ndjson; charset=utf-8';

/**
 * A batch's answer (a megabyte or more) as bytes: encoded once and written as it is. Sent as a
 * string, it is measured, joined to the headers and encoded again (bench/http.ts).
 */
function asBytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

export async function enrichRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { state, metrics } = deps;

  app.post<{ Body: unknown }>('/enrich', {
    schema: { summary: 'Enrich one event: the event back with the tag and the details added', body: { type: 'object' } },
  }, async (request, reply) => {
    const event = request.body;
    if (!isPlainObject(event)) throw new HttpError('INVALID_EVENT', 'the body must be one event (a JSON object)');
    let out;
    try {
      out = enrichToText(state.enricher, event);
    } catch (err) {
      if (err instanceof RangeError) throw new HttpError('BAD_REQUEST', 'the event is nested too deeply to serialise');
      throw err;
    }
    const d = out.details;
    metrics.countLookup(labelOf(d));
    if (d.action === 'drop') metrics.countDropped();
    return reply.type(JSON_TYPE).send(out.text);
  });

  await app.register(async (scope) => {
    // NDJSON is taken here only; elsewhere it is answered 415.
    registerNdjsonParser(scope);
    scope.post<{ Body: unknown; Querystring: { dropped?: 'keep' | 'omit' } }>('/enrich/batch', {
      schema: {
        summary: 'Enrich many events: a JSON array, or NDJSON (application/x-ndjson); same shape back, in order',
        querystring: { type: 'object', properties: { dropped: { type: 'string', enum: ['keep', 'omit'], default: 'keep' } } },
      },
    }, async (request, reply) => {
      const omit = request.query.dropped === 'omit';
      const enricher = state.enricher;
      const body = request.body;
      if (body instanceof NdjsonBody) {
        const lines = body.text.split('\n');
        if (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
        if (lines.length > deps.batchLimit) throw new HttpError('BATCH_TOO_LARGE', `${lines.length} lines; server.batchLimit is ${deps.batchLimit}`);
        let out = '';
        for (let i = 0; i < lines.length; i++) {
          let line = lines[i]!;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (line.trim() === '') continue;
          let r;
          try {
            r = enrichLine(enricher, line, i + 1);
          } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            r = { text: JSON.stringify(invalidEventRecord(enricher.options.detailsField, i + 1, 'the event is nested too deeply to serialise')), dropped: false, invalid: true, details: null };
          }
          if (r.details) metrics.countLookup(labelOf(r.details));
          if (r.dropped) {
            metrics.countDropped();
            if (omit) continue;
          }
          out += r.text + '\n';
        }
        return reply.type(NDJSON_TYPE).send(asBytes(out));
      }
      if (!Array.isArray(body)) throw new HttpError('BAD_REQUEST', 'the body must be a JSON array of events, or NDJSON sent as application/x-ndjson');
      if (body.length > deps.batchLimit) throw new HttpError('BATCH_TOO_LARGE', `${body.length} events; server.batchLimit is ${deps.batchLimit}`);
      // Each element is serialised on its own, so one that cannot be (nested too deeply) is
      // answered in its place and the rest of the batch still goes out.
      const parts: string[] = [];
      for (let i = 0; i < body.length; i++) {
        const event = body[i];
        if (!isPlainObject(event)) {
          parts.push(JSON.stringify(invalidEventRecord(enricher.options.detailsField, i + 1, `expected a JSON object, got ${jsonKind(event)}`)));
          continue;
        }
        let r;
        try {
          r = enrichToText(enricher, event);
        } catch (err) {
          if (!(err instanceof RangeError)) throw err;
          parts.push(JSON.stringify(invalidEventRecord(enricher.options.detailsField, i + 1, 'the event is nested too deeply to serialise')));
          continue;
        }
        const d = r.details;
        metrics.countLookup(labelOf(d));
        if (d.action === 'drop') {
          metrics.countDropped();
          if (omit) continue;
        }
        parts.push(r.text);
      }
      return reply.type(JSON_TYPE).send(asBytes(`[${parts.join(',')}]`));
    });
  });
}
