// Downloading one URL: conditional requests, redirects, retries with back-off, a total deadline, a size cap, proxies.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../../version.js';
import { readListFile } from '../load.js';
import { seconds } from '../deadline.js';
import { proxyAuth, proxyFor, type ProxySettings } from './proxy.js';

/** Per download attempt: the whole answer, headers and body, within this (a slow drip is cut off too). */
export const DOWNLOAD_TIMEOUT_MS = 120_000;
/** Largest body read; the biggest official list (Azure Service Tags) is about 5 MB. */
export const MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024;
export const MAX_REDIRECTS = 5;
/** Bytes read before the probe sees the head of the body (the version keys sit in the first few hundred). */
export const PROBE_BYTES = 4096;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Back-off before the second try; doubled each time, with full jitter. */
  readonly baseMs: number;
  /** No wait is longer, a server's Retry-After included. */
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 1000, maxMs: 30_000 };

export interface DownloadOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  readonly maxRedirects?: number;
  readonly retry?: RetryPolicy;
  readonly proxy?: ProxySettings;
  /** Sent on the first request and on redirects (If-None-Match, If-Modified-Since). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Sees the first PROBE_BYTES of a 2xx body (or all of a shorter one); answering true stops the
   * download there: the publisher's version in the head already says the body is not wanted.
   */
  readonly probe?: (head: Buffer) => boolean;
  /** An HTML answer is what is wanted (a download page to find a link on), not a refusal. */
  readonly html?: boolean;
  /** Extra trusted certificates (tests; a TLS-intercepting proxy's CA). */
  readonly ca?: string | Buffer | undefined;
  /** Told before each wait between tries. */
  readonly onRetry?: (info: { attempt: number; waitMs: number; reason: string }) => void;
  readonly signal?: AbortSignal | undefined;
}

export type DownloadResult =
  | { readonly kind: 'not-modified'; readonly url: string; readonly headers: IncomingHttpHeaders }
  | { readonly kind: 'body'; readonly url: string; readonly headers: IncomingHttpHeaders; readonly body: Buffer }
  | { readonly kind: 'stopped'; readonly url: string; readonly headers: IncomingHttpHeaders; readonly head: Buffer };

/**
 * A download that did not give a usable answer. `state` failed: no answer (network, timeout,
 * a non-2xx status, a redirect loop); rejected: an answer that is not a list (too large, cut
 * short, an HTML page).
 */
export class DownloadError extends Error {
  readonly state: 'failed' | 'rejected';
  readonly retryable: boolean;
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  constructor(message: string, opts: { state?: 'failed' | 'rejected'; retryable?: boolean; status?: number | null; retryAfterMs?: number | null } = {}) {
    super(message);
    this.name = 'DownloadError';
    this.state = opts.state ?? 'failed';
    this.retryable = opts.retryable ?? false;
    this.status = opts.status ?? null;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

const size = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 104857.6) / 10} MiB` : `${n} bytes`);

/** An HTML body's title, for a reason that says what the page was ("404 - File or directory not found"). */
export function htmlTitle(head: Buffer): string | null {
  const m = /<title[^>]*>([^<]{0,200})/i.exec(head.toString('utf8'));
  return m ? m[1]!.replace(/\s+/g, ' ').trim() : null;
}

/** True for the start of an HTML document: what error pages, login walls and bot challenges are. */
export function looksLikeHtml(head: Buffer): boolean {
  return /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i.test(
    head
      .subarray(0, 2048)
      .toString('utf8')
      .replace(/^\uFEFF/, ''),
  );
}

const isHtmlType = (headers: IncomingHttpHeaders) => /^\s*(text\/html|application\/xhtml\+xml)/i.test(headers['content-type'] ?? '');

function describePage(head: Buffer): string {
  const title = htmlTitle(head);
  return title ? `an HTML page titled ${JSON.stringify(title)}` : 'an HTML page';
}

/** Retry-After in ms (delta-seconds or an HTTP date), or null. */
function retryAfter(headers: IncomingHttpHeaders): number | null {
  const v = headers['retry-after'];
  if (v === undefined) return null;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function requestOnce(url: URL, headers: Record<string, string>, opts: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const proxy = proxyFor(url, opts.proxy ?? {});
  const base = { method: 'GET', headers, signal };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const failed = (err: Error) => reject(networkError(err, proxy));
    if (proxy === null) {
      // agent: false: one connection per request, closed after it (the CLI exits as soon as it is done).
      const req = (url.protocol === 'https:' ? https : http).request(url, { ...base, agent: false, ca: opts.ca }, resolve);
      req.on('error', failed).end();
    } else if (url.protocol === 'http:') {
      // A plain-http request through a proxy names the absolute URI (RFC 9112 §3.2.2).
      const req = http.request(
        { ...base, host: proxy.hostname, port: proxy.port || 80, path: url.href, agent: false, headers: { ...headers, host: url.host, ...proxyAuth(proxy) } },
        resolve,
      );
      req.on('error', failed).end();
    } else {
      tunnel(proxy, url, signal).then((socket) => {
        const secure = tls.connect({ socket, servername: url.hostname, ca: opts.ca });
        // A connection made by hand is no agent's to close: it ends with its one answer.
        const req = https.request(url, { ...base, headers: { ...headers, connection: 'close' }, createConnection: () => secure }, (res) => {
          res.once('close', () => secure.destroy());
          resolve(res);
        });
        req.on('error', (err) => {
          secure.destroy();
          failed(err);
        });
        req.end();
      }, reject);
    }
  });
}

/** A CONNECT tunnel through `proxy` to the https target. */
function tunnel(proxy: URL, target: URL, signal: AbortSignal): Promise<Socket> {
  const authority = `${target.hostname}:${target.port || 443}`;
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...proxyAuth(proxy) },
      agent: false,
      signal,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      const status = res.statusCode ?? 0;
      reject(
        new DownloadError(`the proxy ${proxy.host} refused the tunnel to ${authority}: HTTP ${status}`, {
          status,
          retryable: status >= 500 || status === 408 || status === 429,
        }),
      );
    });
    req.once('error', (err) => reject(networkError(err, proxy)));
    req.end();
  });
}

function networkError(err: Error, proxy: URL | null): Error {
  if (err instanceof DownloadError || err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException).code;
  const via = proxy ? ` (through the proxy ${proxy.host})` : '';
  return new DownloadError(`${code ? `${code}: ` : ''}${err.message}${via}`, { retryable: true });
}

/** Reads a body within the size cap, giving the probe its head; resolves to the head alone when the probe stopped it. */
function readBody(res: IncomingMessage, maxBytes: number, probe: DownloadOptions['probe']): Promise<{ body: Buffer } | { head: Buffer }> {
  const declared = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let probed = probe === undefined;
    let settled = false;
    const stop = (err: Error | null, value?: { body: Buffer } | { head: Buffer }) => {
      if (settled) return;
      settled = true;
      res.removeAllListeners('data');
      res.removeAllListeners('end');
      if (err) {
        res.destroy();
        reject(err);
      } else {
        resolve(value!);
      }
    };
    const tryProbe = (atEnd: boolean): boolean => {
      if (probed || (total < PROBE_BYTES && !atEnd)) return false;
      probed = true;
      const head = Buffer.concat(chunks, total).subarray(0, PROBE_BYTES);
      if (!probe!(head)) return false;
      res.destroy();
      stop(null, { head });
      return true;
    };
    res.on('data', (c: Buffer) => {
      total += c.length;
      if (total > maxBytes) return stop(new DownloadError(`the body grew past the limit of ${size(maxBytes)}: stopped reading`, { state: 'rejected' }));
      chunks.push(c);
      tryProbe(false);
    });
    res.on('end', () => {
      if (tryProbe(true)) return;
      if (declared !== null && total !== declared)
        return stop(new DownloadError(`the body is ${total} bytes, but Content-Length said ${declared}: truncated`, { state: 'rejected', retryable: true }));
      stop(null, { body: Buffer.concat(chunks, total) });
    });
    res.on('error', (err) => {
      stop(
        new DownloadError(`the connection closed after ${total}${declared !== null ? ` of ${declared}` : ''} bytes: ${err.message}`, {
          state: 'rejected',
          retryable: true,
        }),
      );
    });
  });
}

/** Reads at most `n` bytes of a body we are refusing (to say what it was), then drops the connection. */
async function peek(res: IncomingMessage, n = 16 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of res) {
      chunks.push(c as Buffer);
      total += (c as Buffer).length;
      if (total >= n) break;
    }
  } catch {
    // what arrived is enough to describe it
  }
  res.destroy();
  return Buffer.concat(chunks).subarray(0, n);
}

async function attempt(start: URL, opts: DownloadOptions, signal: AbortSignal): Promise<DownloadResult> {
  const maxRedirects = opts.maxRedirects ?? MAX_REDIRECTS;
  const maxBytes = opts.maxBytes ?? MAX_DOWNLOAD_BYTES;
  const headers: Record<string, string> = { 'user-agent': `ipdest/${VERSION}`, accept: '*/*', 'accept-encoding': 'identity', ...opts.headers };
  const seen = [start.href];
  let url = start;
  for (;;) {
    const res = await requestOnce(url, headers, opts, signal);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && status !== 304 && res.headers.location !== undefined) {
      res.destroy();
      const next = new URL(res.headers.location, url);
      if (seen.includes(next.href)) throw new DownloadError(`redirect loop: ${[...seen, next.href].join(' → ')}`);
      if (seen.length > maxRedirects) throw new DownloadError(`more than ${maxRedirects} redirects: ${seen.join(' → ')} → ${next.href}`);
      if (url.protocol === 'https:' && next.protocol !== 'https:') throw new DownloadError(`refused a redirect from https to ${next.href}`);
      seen.push(next.href);
      url = next;
      continue;
    }
    if (status === 304) {
      res.destroy();
      return { kind: 'not-modified', url: url.href, headers: res.headers };
    }
    if (status < 200 || status > 299) {
      const head = await peek(res);
      const what = isHtmlType(res.headers) || looksLikeHtml(head) ? `: ${describePage(head)}` : '';
      throw new DownloadError(`HTTP ${status} from ${url.href}${what}`, {
        status,
        retryable: status >= 500 || status === 408 || status === 429,
        retryAfterMs: retryAfter(res.headers),
      });
    }
    if (!opts.html && isHtmlType(res.headers)) {
      const head = await peek(res);
      throw new DownloadError(`${url.href} answered ${describePage(head)} (Content-Type ${res.headers['content-type']}), not a list`, { state: 'rejected' });
    }
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > maxBytes) {
      res.destroy();
      throw new DownloadError(`${url.href} announced ${size(declared)}, over the limit of ${size(maxBytes)}: not read`, { state: 'rejected' });
    }
    const got = await readBody(res, maxBytes, opts.probe);
    if ('head' in got) return { kind: 'stopped', url: url.href, headers: res.headers, head: got.head };
    return { kind: 'body', url: url.href, headers: res.headers, body: got.body };
  }
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    });
  });

async function fileDownload(url: URL, opts: DownloadOptions): Promise<DownloadResult> {
  try {
    const text = await readListFile(fileURLToPath(url), {
      timeoutMs: opts.timeoutMs ?? DOWNLOAD_TIMEOUT_MS,
      maxBytes: opts.maxBytes ?? MAX_DOWNLOAD_BYTES,
      signal: opts.signal,
    });
    return { kind: 'body', url: url.href, headers: {}, body: Buffer.from(text, 'utf8') };
  } catch (err) {
    throw new DownloadError(`${url.href}: ${(err as Error).message}`);
  }
}

/**
 * Downloads `url` (https, http or file). Each try has `timeoutMs` for the whole answer; network
 * errors, timeouts, 5xx, 408 and 429 are tried again up to `retry.attempts` times, waiting a
 * jittered, doubling back-off (or the server's Retry-After), never more than `retry.maxMs`.
 */
export async function download(url: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const target = new URL(url);
  if (target.protocol === 'file:') return fileDownload(target, opts);
  if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new DownloadError(`cannot download ${url}: only https, http and file URLs`);
  const retry = opts.retry ?? DEFAULT_RETRY;
  const timeoutMs = opts.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  for (let n = 1; ; n++) {
    const stop = new AbortController();
    const onAbort = () => stop.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(
      () => stop.abort(new DownloadError(`no complete answer from ${url} within ${seconds(timeoutMs)} (a stalled or slow server)`, { retryable: true })),
      timeoutMs,
    );
    try {
      return await new Promise<DownloadResult>((resolve, reject) => {
        stop.signal.addEventListener('abort', () => reject(stop.signal.reason as Error));
        attempt(target, opts, stop.signal).then(resolve, reject);
      });
    } catch (err) {
      const e = stop.signal.aborted && !opts.signal?.aborted ? (stop.signal.reason as Error) : (err as Error);
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (!(e instanceof DownloadError) || !e.retryable || n >= retry.attempts) throw e;
      const backoff = Math.min(retry.maxMs, retry.baseMs * 2 ** (n - 1));
      // Full jitter: many ipdest instances on one schedule do not retry in step.
      const waitMs = Math.min(retry.maxMs, e.retryAfterMs ?? Math.round(Math.random() * backoff));
      opts.onRetry?.({ attempt: n, waitMs, reason: e.message });
      await sleep(waitMs, opts.signal);
    } finally {
      clearTimeout(timer);
      stop.abort();
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
}
