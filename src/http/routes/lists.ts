// Route GET /lists: readiness at the top, then each list's state, version, counts, load time and last error.
import type { FastifyInstance } from 'fastify';
import { isStale, readinessOf, type ListErrorInfo, type ListSet, type LoadedList, type OwnersInfo } from '../../lists/index.js';
import type { RouteDeps } from './lookup.js';

/** Longest excerpt of a list file's offending line in the public GET /lists (the full text: log and POST /admin/reload). */
export const EXCERPT_CHARS = 80;

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
// Controls, invisible format characters (bidi overrides, zero-width), line/paragraph separators, lone surrogates.
const HIDDEN = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u;

function escapeChar(ch: string): string {
  const e = ESCAPES[ch];
  if (e !== undefined) return e;
  if (!HIDDEN.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  return cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`;
}

/** `text` with control and invisible characters escaped, cut to at most `max` characters (ending in … when cut). */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const pieces: string[] = [];
  let total = 0;
  for (const ch of text) {
    const e = escapeChar(ch);
    pieces.push(e);
    total += e.length;
    if (total > max) break;
  }
  if (total <= max) return pieces.join('');
  let out = '';
  for (const p of pieces) {
    if (out.length + p.length > max - 1) break; // an escape is never cut in two
    out += p;
  }
  return out + '…';
}

/** Longest public error message (the part before the excerpt of the offending text). */
const MESSAGE_CHARS = 300;

/**
 * An error as anyone may see it: the offending text as a short escaped excerpt, also in the
 * message (which names it as ListFormatError does, `file:line: reason: "text"`).
 */
export function publicError(e: ListErrorInfo): ListErrorInfo {
  if (!e.text) return { ...e, message: excerpt(e.message, MESSAGE_CHARS) };
  const short = excerpt(e.text);
  // ListFormatError's message ends in the text as JSON, cut at 200 characters.
  const quoted = `: ${JSON.stringify(e.text.length > 200 ? e.text.slice(0, 200) + '…' : e.text)}`;
  const message = e.message.endsWith(quoted) ? `${excerpt(e.message.slice(0, -quoted.length), MESSAGE_CHARS)}: "${short}"` : excerpt(e.message, MESSAGE_CHARS);
  return { ...e, message, text: short };
}

/** One list as GET /lists shows it; `full`: the error's whole text (for the token-holding admin). */
export function listView(l: LoadedList, opts: { full?: boolean; now?: number } = {}) {
  return {
    name: l.name,
    tag: l.tag,
    format: l.format,
    source: l.source,
    file: l.file,
    version: l.version,
    published: l.published,
    fetchedAt: l.fetchedAt,
    activatedAt: l.activatedAt,
    loadedAt: l.loadedAt,
    stale: isStale(l, opts.now),
    staleAt: l.staleAt,
    rejected: l.rejected,
    state: l.state,
    required: l.required,
    prefixes: l.prefixes,
    warnings: l.warnings,
    error: l.error === null || opts.full ? l.error : publicError(l.error),
  };
}

/**
 * The body of GET /lists: the readiness of the set (as /readyz says it), then every list.
 * `full: true` keeps each error's whole offending text: for POST /admin/reload's answer only.
 */
export function listsBody(set: ListSet, opts: { full?: boolean; owners?: OwnersInfo } = {}): string {
  const owners = opts.owners;
  const now = Date.now();
  const r = readinessOf(set, [], now);
  return JSON.stringify({
    status: r.status,
    missing: r.missing,
    stale: r.stale,
    failed: r.failed,
    waitingFor: r.waitingFor,
    lists: set.lists.map((l) => listView(l, { ...opts, now })),
    ...(owners ? { owners: { state: owners.state, prefixes: owners.prefixes, cached: owners.cached, sources: owners.sources, error: owners.error } } : {}),
  });
}

export async function listsRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  app.get('/lists', { schema: { summary: 'The lists in service and their readiness', response: { 200: { $ref: 'Lists#' } } } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(listsBody(deps.state.lists, { owners: deps.state.owners })),
  );
}
