// The official source of each list format: its download URL, or how to find it, and where its version sits.
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';

/**
 * Where a format's list comes from when the config gives no `url`. Keyed by format name as a
 * plain string: formats are added on other branches (cloudflare, github-meta, …) and their rows
 * are here already.
 */
export interface KnownSource {
  /** The download URL for a list whose file is named `file` (some formats publish more than one file). */
  readonly url?: (file: string) => string | null;
  /** A download page that links to the file (Azure Service Tags: a new dated name every week). */
  readonly page?: (file: string) => DownloadPage;
  /** Why no URL can be chosen without the config's `url` (shown when neither of the above answers). */
  readonly hint?: string;
  /**
   * The JSON key at the head of the document that holds the publisher's version (read from the
   * first bytes of a download, so an unchanged version is known before the whole body arrives).
   */
  readonly versionKey?: 'syncToken' | 'changeNumber';
}

/** A page to find the file's link on: the link must match `link` (host-pinned, https only). */
export interface DownloadPage {
  readonly url: string;
  readonly link: RegExp;
}

/** Azure's download pages by cloud; the Public cloud's is also the default for any other file name. */
const AZURE_CLOUDS = [
  { cloud: 'China', id: 57062 },
  { cloud: 'AzureGovernment', id: 57063 },
  { cloud: 'Public', id: 56519 },
] as const;

/**
 * The link to a ServiceTags file on download.microsoft.com: pinned to that host over https, so a
 * page that was tampered with, or a look-alike link in an advert, is not followed.
 */
export function serviceTagsLink(cloud: string, origin = 'https://download\\.microsoft\\.com'): RegExp {
  return new RegExp(`${origin}/download/[A-Za-z0-9/_.-]*?/ServiceTags_${cloud}_[0-9]{8}\\.json`, 'g');
}

/** The Azure cloud a list file is for, by its name (ServiceTags_China_*.json → China); else Public. */
export function azureCloudOf(file: string): (typeof AZURE_CLOUDS)[number] {
  const name = basename(file);
  return AZURE_CLOUDS.find((c) => name.includes(`_${c.cloud}_`)) ?? AZURE_CLOUDS[2];
}

/** By file name: a list named like goog*.json is Google's own space, cloud*.json Google Cloud's. */
function googleUrl(file: string): string | null {
  const name = basename(file).toLowerCase();
  if (name.startsWith('goog')) return 'https://www.gstatic.com/ipranges/goog.json';
  if (name.startsWith('cloud')) return 'https://www.gstatic.com/ipranges/cloud.json';
  return null;
}

export const KNOWN_SOURCES: Record<string, KnownSource> = {
  'aws-ip-ranges': { url: () => 'https://ip-ranges.amazonaws.com/ip-ranges.json', versionKey: 'syncToken' },
  'google-ip-ranges': {
    url: googleUrl,
    hint: 'Google publishes two files in this format: name the file goog*.json or cloud*.json, or set url',
    versionKey: 'syncToken',
  },
  'msft-public-ip-csv': { url: () => 'https://download.microsoft.com/download/B/2/A/B2AB28E1-DAE1-44E8-A867-4987FE089EBE/msft-public-ips.csv' },
  'azure-service-tags': {
    page: (file) => {
      const c = azureCloudOf(file);
      return { url: `https://www.microsoft.com/en-us/download/details.aspx?id=${c.id}`, link: serviceTagsLink(c.cloud) };
    },
    versionKey: 'changeNumber',
  },
  // Cloudflare publishes IPv4 and IPv6 as two files: a list has one URL, so the file's name picks
  // (a name with "v6" in it is the IPv6 file); configure two lists for both.
  cloudflare: { url: (file) => `https://www.cloudflare.com/ips-${/v6/i.test(basename(file)) ? 'v6' : 'v4'}` },
  'fastly-ip-list': { url: () => 'https://api.fastly.com/public-ip-list' },
  'github-meta': { url: () => 'https://api.github.com/meta' },
  'oracle-ip-ranges': { url: () => 'https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json' },
  // The endpoints service asks each request for a client GUID.
  'm365-endpoints': { url: () => `https://endpoints.office.com/endpoints/worldwide?clientrequestid=${randomUUID()}` },
  geofeed: { hint: 'a geofeed is published by each network operator: set url' },
  netset: { hint: 'FireHOL, Spamhaus and abuse.ch publish many sets: set url' },
  text: { hint: 'a text list has no official source: set url' },
  csv: { hint: 'a csv list has no official source: set url' },
  'ranges-csv': { hint: 'a ranges-csv list has no official source: set url' },
};

/** How a list is to be fetched: a URL, a page to find the URL on, or why there is none. */
export type SourcePlan = { readonly url: string } | { readonly page: DownloadPage } | { readonly none: string };

/**
 * The plan for one list: the config's `url` wins (for azure-service-tags a `…/details.aspx?…`
 * URL is taken as the download page to find the file's link on), else the format's official
 * source from `known`.
 */
export function planFor(list: { format: string; path: string; url?: string | undefined }, known: Record<string, KnownSource> = KNOWN_SOURCES): SourcePlan {
  const k = known[list.format];
  if (list.url !== undefined) {
    if (k?.page && /\/details\.aspx(\?|$)/i.test(new URL(list.url).pathname + new URL(list.url).search)) {
      return { page: { url: list.url, link: k.page(list.path).link } };
    }
    return { url: list.url };
  }
  if (k?.page) return { page: k.page(list.path) };
  const url = k?.url?.(list.path) ?? null;
  if (url !== null) return { url };
  return { none: `no url configured and ${k?.hint ?? `format ${list.format} has no official source: set url`}` };
}
