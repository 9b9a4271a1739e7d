// Routes POST /enrich and POST /enrich/batch: events in (JSON or NDJSON), enriched events out, in order.
import type { FastifyInstance } from 'fastify';
import { arrayElementSpans, enrichLine, enrichToText, hostOfEvent, invalidEventRecord, isPlainObject, jsonKind, labelOf } from '../../enrich/index.js';
import { bodyText, NdjsonBody, registerNdjsonParser } from '../body.js';
import { IpdestError } from '../../errors.js';
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

/** What `?dropped=` takes: keep dropped events in the answer, or leave them out. */
const DROPPED_VALUES = ['keep', 'omit'];

/** Events enriched between two turns of the event loop: a large batch never holds it for long. */
const SLICE = 512;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function enrichRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { state, metrics } = deps;
  // Every enriched event counts in GET /audit.
  const audit = state.audit;
  const one = audit.source('POST /enrich');
  const batch = audit.source('POST /enrich/batch');

  app.post<{ Body: unknown }>(
    '/enrich',
    {
      // No body schema: a body that is not an object is INVALID_EVENT (the contract's code), said by the handler.
      schema: { summary: 'Enrich one event: the event back with the tag and the details added' },
    },
    async (request, reply) => {
      const event = request.body;
      if (event === undefined) throw new IpdestError('BAD_REQUEST', 'the body is empty: send one event (a JSON object)');
      if (!isPlainObject(event)) throw new IpdestError('INVALID_EVENT', `the body must be one event (a JSON object), not ${jsonKind(event)}`);
      const out = enrichToText(state.enricher, event, bodyText(request));
      const d = out.details;
      metrics.countLookup(labelOf(d), 'threat' in d);
      audit.add(one, d, hostOfEvent(event));
      if (d.action === 'drop') metrics.countDropped();
      return reply.type(JSON_TYPE).send(out.text);
    },
  );

  await app.register(async (scope) => {
    // NDJSON is taken here only; elsewhere it is answered 415.
    registerNdjsonParser(scope);
    scope.post<{ Body: unknown; Querystring: { dropped?: 'keep' | 'omit' } }>(
      '/enrich/batch',
      {
        schema: {
          summary: 'Enrich many events: a JSON array, or NDJSON (application/x-ndjson); same shape back, in order',
          querystring: { type: 'object', properties: { dropped: { type: 'string', enum: DROPPED_VALUES, default: 'keep' } } },
        },
        // Fastify's own message says only "must be equal to one of the allowed values".
        schemaErrorFormatter: (_errors, dataVar) =>
          new IpdestError('BAD_REQUEST', `${dataVar === 'querystring' ? '?dropped=' : dataVar} must be one of ${DROPPED_VALUES.join(', ')}`),
      },
      async (request, reply) => {
        const omit = request.query.dropped === 'omit';
        // One enricher for the whole batch, even when a reload swaps it between slices.
        const enricher = state.enricher;
        const body = request.body;
        if (body instanceof NdjsonBody) {
          const lines = body.text.split('\n');
          let events = 0;
          for (const line of lines) if (!isBlankLine(line)) events++;
          if (events > deps.batchLimit) throw new IpdestError('BATCH_TOO_LARGE', `${events} events; server.batchLimit is ${deps.batchLimit}`);
          if (lines.length > 0 && isBlankLine(lines[lines.length - 1]!)) lines.pop();
          let out = '';
          let done = 0;
          for (let i = 0; i < lines.length; i++) {
            let line = lines[i]!;
            if (line.endsWith('\r')) line = line.slice(0, -1);
            if (isBlankLine(line)) continue;
            if (++done % SLICE === 0) {
              await nextTurn();
              // The client went away: nobody reads the rest.
              if (request.raw.socket === null || request.raw.socket.destroyed) return reply.hijack();
            }
            const r = enrichLine(enricher, line, i + 1);
            if (r.details) {
              metrics.countLookup(labelOf(r.details), 'threat' in r.details);
              audit.add(batch, r.details, hostOfEvent(r.event!));
            } else audit.skip(batch, 'invalid event (INVALID_EVENT)');
            if (r.dropped) {
              metrics.countDropped();
              if (omit) continue;
            }
            out += r.text + '\n';
          }
          return reply.type(NDJSON_TYPE).send(asBytes(out));
        }
        if (!Array.isArray(body)) throw new IpdestError('BAD_REQUEST', 'the body must be a JSON array of events, or NDJSON sent as application/x-ndjson');
        if (body.length > deps.batchLimit) throw new IpdestError('BATCH_TOO_LARGE', `${body.length} events; server.batchLimit is ${deps.batchLimit}`);
        // Each element is enriched in its own text (found once in the body), so its bytes come back as sent.
        const text = bodyText(request);
        const spans = text === undefined ? null : arrayElementSpans(text);
        const parts: string[] = [];
        for (let i = 0; i < body.length; i++) {
          if (i > 0 && i % SLICE === 0) {
            await nextTurn();
            if (request.raw.socket === null || request.raw.socket.destroyed) return reply.hijack();
          }
          const event = body[i];
          if (!isPlainObject(event)) {
            audit.skip(batch, 'invalid event (INVALID_EVENT)');
            parts.push(JSON.stringify(invalidEventRecord(enricher.options.detailsField, i + 1, `expected a JSON object, got ${jsonKind(event)}`)));
            continue;
          }
          const span = spans?.[i];
          const r = enrichToText(enricher, event, span === undefined ? undefined : text!.slice(span[0], span[1]));
          const d = r.details;
          metrics.countLookup(labelOf(d), 'threat' in d);
          audit.add(batch, d, hostOfEvent(event));
          if (d.action === 'drop') {
            metrics.countDropped();
            if (omit) continue;
          }
          parts.push(r.text);
        }
        return reply.type(JSON_TYPE).send(asBytes(`[${parts.join(',')}]`));
      },
    );
  });
}

function isBlankLine(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
