// The list formats of the contract, by their config name: pure text → prefixes.
import type { ParsedList } from './entry-set.js';
import { parseAwsIpRanges } from './aws-ip-ranges.js';
import { parseServiceTags } from './azure-service-tags.js';
import { parseCloudflare } from './cloudflare.js';
import { parseCsvList } from './csv.js';
import { parseFastlyIpList } from './fastly-ip-list.js';
import { parseGeofeed } from './geofeed.js';
import { parseGithubMeta } from './github-meta.js';
import { parseGoogleIpRanges } from './google-ip-ranges.js';
import { parseM365Endpoints } from './m365-endpoints.js';
import { parseMsftPublicIpCsv } from './msft-public-ip-csv.js';
import { parseNetset } from './netset.js';
import { parseOracleIpRanges } from './oracle-ip-ranges.js';
import { parseRangesCsv } from './ranges-csv.js';
import { parseTextList } from './text.js';

export type { ListEntry, ParsedList } from './entry-set.js';
export { parseM365Details } from './m365-endpoints.js';
export type { M365PrefixDetails, M365SetDetail } from './m365-endpoints.js';

export const FORMATS = [
  'text',
  'msft-public-ip-csv',
  'azure-service-tags',
  'aws-ip-ranges',
  'google-ip-ranges',
  'csv',
  'ranges-csv',
  'cloudflare',
  'fastly-ip-list',
  'github-meta',
  'oracle-ip-ranges',
  'geofeed',
  'netset',
  'm365-endpoints',
] as const;
export type ListFormat = (typeof FORMATS)[number];

/**
 * The publisher's own download of each format that has one (docs/formats.md), for a list that
 * names no `url`. A format read from many publishers (text, csv, ranges-csv, geofeed, netset) has
 * none; Cloudflare publishes two files, one per address family; Azure's file changes its address
 * every week (only its download page is stable) and Microsoft 365's needs a `clientrequestid` GUID
 * of the caller's own.
 */
export const OFFICIAL_SOURCES: { readonly [F in ListFormat]?: readonly string[] } = {
  'msft-public-ip-csv': ['https://download.microsoft.com/download/B/2/A/B2AB28E1-DAE1-44E8-A867-4987FE089EBE/msft-public-ips.csv'],
  'aws-ip-ranges': ['https://ip-ranges.amazonaws.com/ip-ranges.json'],
  'google-ip-ranges': ['https://www.gstatic.com/ipranges/goog.json', 'https://www.gstatic.com/ipranges/cloud.json'],
  cloudflare: ['https://www.cloudflare.com/ips-v4', 'https://www.cloudflare.com/ips-v6'],
  'fastly-ip-list': ['https://api.fastly.com/public-ip-list'],
  'github-meta': ['https://api.github.com/meta'],
  'oracle-ip-ranges': ['https://docs.oracle.com/iaas/tools/public_ip_ranges.json'],
  'm365-endpoints': ['https://endpoints.office.com/endpoints/worldwide'],
};

export interface FormatOptions {
  /** For `csv`: the CIDR column. */
  readonly column?: string | number | undefined;
}

/** Parses a list file's text in the named format; throws ListFormatError. */
export function parseList(format: ListFormat, text: string, file: string, opts: FormatOptions = {}): ParsedList {
  switch (format) {
    case 'text':
      return parseTextList(text, file);
    case 'msft-public-ip-csv':
      return parseMsftPublicIpCsv(text, file);
    case 'azure-service-tags':
      return parseServiceTags(text, file);
    case 'aws-ip-ranges':
      return parseAwsIpRanges(text, file);
    case 'google-ip-ranges':
      return parseGoogleIpRanges(text, file);
    case 'csv':
      return parseCsvList(text, file, { column: opts.column ?? 1 });
    case 'ranges-csv':
      return parseRangesCsv(text, file);
    case 'cloudflare':
      return parseCloudflare(text, file);
    case 'fastly-ip-list':
      return parseFastlyIpList(text, file);
    case 'github-meta':
      return parseGithubMeta(text, file);
    case 'oracle-ip-ranges':
      return parseOracleIpRanges(text, file);
    case 'geofeed':
      return parseGeofeed(text, file);
    case 'netset':
      return parseNetset(text, file);
    case 'm365-endpoints':
      return parseM365Endpoints(text, file);
  }
}
