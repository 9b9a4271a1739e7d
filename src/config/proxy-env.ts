// The proxy environment for downloads (HTTPS_PROXY, HTTP_PROXY, NO_PROXY; lower case first, as curl reads them).

export interface ProxyEnv {
  readonly httpsProxy: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: string | undefined;
}

const pick = (env: NodeJS.ProcessEnv, name: string) => (env[name.toLowerCase()] || env[name.toUpperCase()] || undefined)?.trim() || undefined;

export function proxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyEnv {
  // curl reads only lower-case http_proxy (under CGI, HTTP_PROXY comes from a request header:
  // "httpoxy"); ipdest never runs as CGI, and proxy setups commonly export the upper-case name.
  return { httpsProxy: pick(env, 'https_proxy'), httpProxy: pick(env, 'http_proxy'), noProxy: pick(env, 'no_proxy') };
}
