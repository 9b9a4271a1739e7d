// Request bodies: JSON under application/json, text/plain (Logstash's default) and curl's form type; NDJSON kept as text.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IpdestError } from '../errors.js';

/**
 * Replaces Fastify's parsers. JSON.parse is safe here: a `__proto__` key becomes an own
 * property (plain data), and ipdest never merges bodies into other objects.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'string' }, (req, body, done) => {
    try {
      const text = withoutBom(body as string);
      (req as TextBodyRequest)[kBodyText] = text;
      done(null, parseJsonText(text, req.headers['content-type']));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

/**
 * The media types whose bodies are read as JSON. `application/x-www-form-urlencoded` is what
 * `curl -d` sends unless told otherwise: a body that is JSON is taken as JSON whatever its label
 * says (one that is not is answered BAD_JSON, naming the type that was sent).
 */
export const JSON_MEDIA_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];

const kBodyText = Symbol('ipdest.bodyText');
type TextBodyRequest = FastifyRequest & { [kBodyText]?: string };

/** The JSON text a request's body was parsed from (undefined for NDJSON and bodiless requests). */
export function bodyText(request: FastifyRequest): string | undefined {
  return (request as TextBodyRequest)[kBodyText];
}

/** A JSON body's text as a value (BAD_JSON when it is not JSON). */
export function parseJsonText(text: string, contentType?: string): unknown {
  // An empty body is no body (POST /admin/reload is sent without one); routes that need one say so.
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(withoutBom(text));
  } catch (err) {
    const form = contentType !== undefined && contentType.toLowerCase().startsWith('application/x-www-form-urlencoded');
    const why = form
      ? " (it was sent as application/x-www-form-urlencoded, curl -d's default; ipdest reads request bodies as JSON: send JSON, e.g. with -H 'content-type: application/json')"
      : '';
    throw new IpdestError('BAD_JSON', `the body is not valid JSON: ${(err as Error).message}${why}`);
  }
}

/** NDJSON, only in the scope of the routes that take it (elsewhere it is answered 415). */
export function registerNdjsonParser(app: FastifyInstance): void {
  // Read as bytes and decoded once: a string body arrives as a rope of chunks, flattened again later.
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, new NdjsonBody(withoutBom((body as Buffer).toString('utf8')))),
  );
}

/** An NDJSON body, parsed line by line by the route (a bad line is answered in its place). */
export class NdjsonBody {
  constructor(readonly text: string) {}
}

/** A byte-order mark before the text (some Windows tools write one) is no part of the JSON. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
