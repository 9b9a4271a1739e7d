// Format `cloudflare`: Cloudflare's ips-v4 / ips-v6, one CIDR a line (final newline or not).
import type { ParsedList } from './entry-set.js';
import { parseTextList } from './text.js';

/**
 * The text format's rules exactly (the files are that simple); a format of its own so a list can
 * name it and take its official URL, and so a change in Cloudflare's files has one place to go.
 */
export function parseCloudflare(text: string, file: string): ParsedList {
  return parseTextList(text, file);
}
