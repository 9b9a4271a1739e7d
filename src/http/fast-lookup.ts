// POST /lookup answered straight from Node's request: the one-request-per-event path of Logstash's http filter.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { IpdestError, type ErrorCode } from '../errors.js';
import { errorPayload } from './errors.js';
import { JSON_MEDIA_TYPES, parseJsonText } from './body.js';
import { answerLookup, auditFeed, type AuditFeed } from './lookup-answer.js';
import type { Metrics, RouteStats } from './metrics.js';
import type { ServiceState } from '../service/index.js';

export interface FastLookupOptions {
  readonly state: ServiceState;
  readonly metrics: Metrics;
  readonly bodyLimit: number;
  readonly log: Logger;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const kPending = Symbol('ipdest.fastLookup');

/** One request's body as it arrives (a few hundred bytes: nearly always one chunk). */
class Pending {
  first: Buffer | null = null;
  more: Buffer[] | null = null;
  constructor(
    readonly owner: FastLookup,
    readonly res: ServerResponse,
    readonly started: number,
  ) {}
}

type PendingRequest = IncomingMessage & { [kPending]?: Pending };

// Listeners shared by every request (no closure per request): `this` is the request.
function onData(this: PendingRequest, chunk: Buffer): void {
  const p = this[kPending]!;
  if (p.first === null) p.first = chunk;
  else (p.more ??= [p.first]).push(chunk);
}

function onEnd(this: PendingRequest): void {
  const p = this[kPending]!;
  this[kPending] = undefined;
  const buf = p.more !== null ? Buffer.concat(p.more) : p.first;
  p.owner.answer(buf === null ? '' : buf.toString('utf8'), p.res, p.started, this.headers['content-type']);
}

/**
 * Takes the common case of POST /lookup — exact URL, a JSON or text/plain body with a
 * Content-Length within the body limit, lists loaded, not overloaded, not closing — and answers it
 * with the same code the Fastify route runs (lookup-answer.ts), the same error bodies, headers and
 * metrics. Everything else (chunked bodies, other media types, 413, 415, 503, logging every request)
 * is left to Fastify, which answers it as usual. Fastify's request lifecycle (hooks, reply object,
 * content-type parser, validation) costs more per request than the lookup itself (bench/http.ts).
 */
export class FastLookup {
  readonly #state: ServiceState;
  readonly #metrics: Metrics;
  readonly #bodyLimit: number;
  readonly #log: Logger;
  readonly #stats: RouteStats;
  readonly #feed: AuditFeed;
  #enabled = true;
  #answered = 0;
  #underPressure: () => boolean = () => false;

  constructor(opts: FastLookupOptions) {
    this.#state = opts.state;
    this.#metrics = opts.metrics;
    this.#bodyLimit = opts.bodyLimit;
    this.#log = opts.log;
    this.#stats = opts.metrics.route('/lookup');
    // The same source as the Fastify route's: both answer POST /lookup.
    this.#feed = auditFeed(opts.state.audit, 'POST /lookup');
  }

  /** The overload check (pressure.ts), once the app has one. */
  watchPressure(check: () => boolean): void {
    this.#underPressure = check;
  }

  /** From now on every request goes through Fastify (closing: it answers 503 and closes). */
  disable(): void {
    this.#enabled = false;
  }

  get disabled(): boolean {
    return !this.#enabled;
  }

  /** Requests answered here since the start. */
  get answered(): number {
    return this.#answered;
  }

  /** Takes the request and answers it, or returns false to leave it to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST' || req.url !== '/lookup' || !this.#enabled) return false;
    const headers = req.headers;
    const length = headers['content-length'];
    if (length === undefined || headers['transfer-encoding'] !== undefined || !isJsonMediaType(headers['content-type'])) return false;
    const n = Number(length);
    if (!(n > 0 && n <= this.#bodyLimit) || !this.#state.ready || this.#underPressure()) return false;
    (req as PendingRequest)[kPending] = new Pending(this, res, performance.now());
    req.on('data', onData);
    req.on('end', onEnd);
    return true;
  }

  /** Answers a taken request once its body is in (called by the shared `end` listener). */
  answer(text: string, res: ServerResponse, started: number, contentType?: string): void {
    let status = 200;
    let body: string;
    let refusedBody = false;
    try {
      body = answerLookup(this.#state.enricher, parseJsonText(text, contentType), this.#metrics, this.#feed);
    } catch (err) {
      const code: ErrorCode = err instanceof IpdestError ? err.code : 'INTERNAL';
      if (code === 'INTERNAL') this.#log.error({ err, url: '/lookup', method: 'POST' }, 'internal error (a bug in ipdest)');
      ({ status, text: body } = errorPayload(code, code === 'INTERNAL' ? undefined : (err as Error).message));
      refusedBody = code === 'BAD_JSON';
    }
    // Encoded once: measuring the string and then writing it would encode it twice.
    const bytes = Buffer.from(body, 'utf8');
    const headers = ['content-type', JSON_TYPE, 'content-length', String(bytes.length)];
    // As Fastify does after a body its parser refused (it closes: the client may send more).
    if (refusedBody) headers.push('connection', 'close');
    res.writeHead(status, headers);
    res.end(bytes);
    this.#answered++;
    this.#stats.record('POST', status, (performance.now() - started) / 1000);
  }
}

/** application/json or text/plain (Logstash's default), any parameters, any case: what Fastify's parser takes here. */
function isJsonMediaType(type: string | undefined): boolean {
  if (type === undefined) return false;
  if (type === 'application/json' || type === 'text/plain') return true;
  const semi = type.indexOf(';');
  const media = (semi === -1 ? type : type.slice(0, semi)).trim().toLowerCase();
  return JSON_MEDIA_TYPES.includes(media);
}

/**
 * The hooks Fastify runs on POST /lookup that the fast path does itself, by hook: the overload
 * refusal (watchPressure) and the route's metrics (RouteStats). app.ts compares them with what
 * Fastify reports at start and turns the fast path off on any difference.
 */
export const FAST_LOOKUP_HOOKS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  onRequest: ['refuseWhenOverloaded()'],
  onResponse: ['recordRouteMetrics()'],
});

/** The hooks of one route and method in `printRoutes({ includeHooks: true, commonPrefix: false })`'s tree. */
export function routeHooks(tree: string, url: string, method: string): Record<string, string[]> {
  const hooks: Record<string, string[]> = {};
  // Each node prints its URL relative to its parent's; another method of the same node follows on
  // a line of its own without a branch glyph, one level deeper in indentation.
  const path: string[] = [];
  let inRoute = false;
  for (const line of tree.split('\n')) {
    const node = /^((?:│ {3}| {4})*)(├── |└── )?(\S[^(]*?) \(([A-Z, ]+)\)$/.exec(line);
    if (node !== null) {
      const depth = node[1]!.length / 4 - (node[2] === undefined ? 1 : 0);
      path.length = depth;
      path[depth] = node[3]!;
      inRoute = path.join('') === url && node[4]!.split(', ').includes(method);
      continue;
    }
    const hook = /• \((\w+)\) (\[.*\])$/.exec(line);
    if (hook !== null && inRoute) hooks[hook[1]!] = JSON.parse(hook[2]!) as string[];
  }
  return hooks;
}

/** Why two hook sets differ, or null when they are the same. */
export function hookDrift(fastify: Readonly<Record<string, readonly string[]>>, reproduced: Readonly<Record<string, readonly string[]>>): string | null {
  const names = new Set([...Object.keys(fastify), ...Object.keys(reproduced)]);
  for (const name of [...names].sort()) {
    const a = fastify[name] ?? [];
    const b = reproduced[name] ?? [];
    if (a.join('\u0000') !== b.join('\u0000'))
      return `Fastify runs ${name} ${JSON.stringify(a)} on POST /lookup, the fast path reproduces ${JSON.stringify(b)}`;
  }
  return null;
}
