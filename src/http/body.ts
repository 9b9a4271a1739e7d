// Request bodies: JSON under application/json and text/plain (Logstash's default), NDJSON kept as text.
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';

/**
 * Replaces Fastify's parsers. JSON.parse is safe here: a `__proto__` key becomes an own
 * property (plain data), and ipdest never merges bodies into other objects.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonText(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/** A JSON body's text as a value (BAD_JSON when it is not JSON). */
export function parseJsonText(text: string): unknown {
  // An empty body is no body (POST /admin/reload is sent without one); routes that need one say so.
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError('BAD_JSON', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** NDJSON, only in the scope of the routes that take it (elsewhere it is answered 415). */
export function registerNdjsonParser(app: FastifyInstance): void {
  // Read as bytes and decoded once: a string body arrives as a rope of chunks, flattened again later.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_req, body, done) => done(null, new NdjsonBody((body as Buffer).toString('utf8'))));
}

/** An NDJSON body, parsed line by line by the route (a bad line is answered in its place). */
export class NdjsonBody {
  constructor(readonly text: string) {}
}
