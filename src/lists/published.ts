// The publisher's own date of a list file, read cheaply from its name or its first keys (the format parsers keep only the version).
import { basename } from 'node:path';
import type { ListFormat } from './formats/index.js';

/** A real calendar date as ISO 8601 (YYYY-MM-DD), or null for 20251341 and the like. */
function isoDate(y: string, m: string, d: string): string | null {
  const text = `${y}-${m}-${d}`;
  const t = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== text ? null : text;
}

// Built once: these run over a whole file's text, but stop at the first hit (the keys come first).
const AZURE_NAME = /_(\d{4})(\d{2})(\d{2})\.json$/i;
const AWS_CREATE_DATE = /"createDate"\s*:\s*"(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})"/;
const GOOGLE_SYNC_TOKEN = /"syncToken"\s*:\s*"(\d{10,16})"/;

/**
 * When the publisher published this file, ISO 8601, or null when the file does not say:
 * - azure-service-tags: the date in Microsoft's file name (`ServiceTags_Public_20251028.json`);
 *   the file itself has only `changeNumber` (the list's version).
 * - aws-ip-ranges: `createDate` (`2026-08-22-15-17-05`, UTC: it equals `syncToken` in seconds).
 * - google-ip-ranges: `syncToken`, milliseconds since the epoch. Not `creationTime`: it has no
 *   zone and is US Pacific time (goog.json of 2024-04-25: `creationTime` 07:05:03.68994,
 *   `syncToken` 1714053903689 = 14:05:03.689Z).
 * - msft-public-ip-csv, text, csv, ranges-csv: null (the files carry no date).
 */
export function publishedOf(format: ListFormat, text: string, file: string): string | null {
  switch (format) {
    case 'azure-service-tags': {
      const m = AZURE_NAME.exec(basename(file));
      return m ? isoDate(m[1]!, m[2]!, m[3]!) : null;
    }
    case 'aws-ip-ranges': {
      const m = AWS_CREATE_DATE.exec(text);
      if (!m) return null;
      const day = isoDate(m[1]!, m[2]!, m[3]!);
      return day === null ? null : `${day}T${m[4]}:${m[5]}:${m[6]}Z`;
    }
    case 'google-ip-ranges': {
      const m = GOOGLE_SYNC_TOKEN.exec(text);
      const ms = m ? Number(m[1]) : NaN;
      return Number.isSafeInteger(ms) && ms > 0 ? new Date(ms).toISOString() : null;
    }
    default:
      return null;
  }
}
