// Which proxy a download goes through: HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl reads them.

/** The proxy settings, as plain values (the config layer reads them from the environment). */
export interface ProxySettings {
  readonly httpsProxy?: string | undefined;
  readonly httpProxy?: string | undefined;
  /** Comma- or space-separated host names (a leading "." or "*." matches subdomains), host:port, or "*". */
  readonly noProxy?: string | undefined;
}

function bypassed(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | null = null;
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracketed) {
      entry = bracketed[1]!;
      entryPort = bracketed[2] ?? null;
    } else if (entry.split(':').length === 2) {
      // host:port (a bare IPv6 address has more than one colon and no port)
      [entry, entryPort] = entry.split(':') as [string, string];
    }
    if (entryPort !== null && entryPort !== port) continue;
    entry = entry.replace(/^\*?\./, '');
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** The proxy for `url`, or null: a direct connection (file: URLs, a NO_PROXY match, no proxy set). */
export function proxyFor(url: URL, p: ProxySettings): URL | null {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const chosen = url.protocol === 'https:' ? p.httpsProxy : p.httpProxy;
  if (!chosen || bypassed(url, p.noProxy)) return null;
  // curl takes a bare host:port as an http:// proxy.
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen) ? chosen : `http://${chosen}`);
}

/** The Proxy-Authorization header for a proxy URL with user:password in it. */
export function proxyAuth(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(creds).toString('base64')}` };
}
