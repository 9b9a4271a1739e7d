// A local HTTP server on 127.0.0.1 for the list-download tests: routes by path, and a record of every request and the bytes answered.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Body bytes the server wrote for this request. */
  bytes: number;
  /** True when the client closed the connection before the answer ended. */
  cut: boolean;
}

export type Route = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export interface ListServer {
  origin: string;
  port: number;
  seen: Seen[];
  /** Sets (or replaces) the route for a path. */
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

export async function listServer(): Promise<ListServer> {
  const routes = new Map<string, Route>();
  const counts = new Map<string, number>();
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes: 0, cut: false };
    seen.push(entry);
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (chunk) entry.bytes += Buffer.byteLength(chunk as string | Buffer);
      return write(chunk, ...rest);
    }) as typeof res.write;
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk && typeof chunk !== 'function') entry.bytes += Buffer.byteLength(chunk as string | Buffer);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.on('close', () => {
      if (!res.writableFinished) entry.cut = true;
    });
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const handler = routes.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no route');
      return;
    }
    handler(req, res, n);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    route: (path, handler) => {
      routes.set(path, handler);
      counts.set(path, 0);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A route answering `body` with an ETag, and 304 to a request that names it. */
export function withEtag(body: Buffer | string, etag = '"v1"', type = 'application/json'): Route {
  return (req, res) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { etag, 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  };
}

export function plain(body: Buffer | string, status = 200, type = 'application/json'): Route {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  };
}
