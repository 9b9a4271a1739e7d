// The list formats of the contract, by their config name: pure text → prefixes.
import type { ParsedList } from './entry-set.js';
import { parseAwsIpRanges } from './aws-ip-ranges.js';
import { parseServiceTags } from './azure-service-tags.js';
import { parseCsvList } from './csv.js';
import { parseGoogleIpRanges } from './google-ip-ranges.js';
import { parseMsftPublicIpCsv } from './msft-public-ip-csv.js';
import { parseRangesCsv } from './ranges-csv.js';
import { parseTextList } from './text.js';

export type { ListEntry, ParsedList } from './entry-set.js';

export const FORMATS = ['text', 'msft-public-ip-csv', 'azure-service-tags', 'aws-ip-ranges', 'google-ip-ranges', 'csv', 'ranges-csv'] as const;
export type ListFormat = (typeof FORMATS)[number];

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
  }
}
