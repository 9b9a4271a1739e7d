// Logstash: `cidr` filter network_path files, one per tag (a folder), and a `translate` dictionary keyed by the networks the MaxMind DB export reports.
import type { ExportOutput } from './output.js';
import { addrAt, type ExportSource } from './pieces.js';
import { blocksOf, disjointPieces, type Row } from './rows.js';

/** A tag as a file or set name: letters, digits, `-` and `_` only, so no tag can name a path outside the folder. */
export function safeName(tag: string): string {
  return tag.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'tag';
}

/**
 * The blocks of each tag: the addresses whose result has that `IPDestination`, merged across
 * prefixes (only the tag matters here), so the files are disjoint and at most one `cidr` filter
 * matches an address.
 */
export function blocksByTag(src: ExportSource): Map<string, Row[]> {
  const pieces = disjointPieces(src, (s) => s.tag ?? '');
  const out = new Map<string, Row[]>();
  for (const b of blocksOf(pieces.filter((p) => p.set.tag !== null))) {
    const tag = b.record.tag!;
    let rows = out.get(tag);
    if (rows === undefined) out.set(tag, (rows = []));
    rows.push(b);
  }
  return out;
}

export function writeLogstashCidr(src: ExportSource): { output: ExportOutput; rows: { v4: number; v6: number } } {
  const files = [];
  const rows = { v4: 0, v6: 0 };
  const used = new Set<string>();
  for (const [tag, blocks] of blocksByTag(src)) {
    let name = safeName(tag);
    // Two tags that differ only in punctuation must not share a file.
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${safeName(tag)}-${i}`;
    used.add(name.toLowerCase());
    files.push({ name: `${name}.txt`, data: blocks.map((b) => b.network).join('\n') + '\n' });
    for (const b of blocks) rows[b.version === 4 ? 'v4' : 'v6']++;
  }
  return { output: { kind: 'folder', files }, rows };
}

/** A YAML double-quoted scalar (JSON's string syntax is a subset of it). */
const yamlString = (s: string) => JSON.stringify(s);

/**
 * Java's spelling of an IPv6 network (what the Elasticsearch geoip processor and Logstash write
 * as `network`, from InetAddress.getHostAddress): eight groups in hex, no `::`.
 */
export function javaNetwork(version: 4 | 6, start: bigint, bits: number): string {
  if (version === 4) return `${addrAt(4, start).toString()}/${bits}`;
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((start >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${groups.join(':')}/${bits}`;
}

/**
 * The translate dictionary: every block of the MaxMind DB export (the same pieces, the same
 * cover) → the answer as JSON text, for `translate { source => "[ipdest][network]" }` after a
 * geoip lookup in that database. IPv6 keys are written in both spellings (RFC 5952 and Java's).
 */
export function writeLogstashTranslate(src: ExportSource): { output: ExportOutput; rows: readonly Row[] } {
  const rows = blocksOf(disjointPieces(src));
  const lines = ['# ipdest export: network → the answer as JSON (label, tag, list, services, hosting, scope)'];
  for (const r of rows) {
    const x = r.record;
    // Only what is known: a value is repeated for every block, so empty fields are left out.
    const o: Record<string, unknown> = { label: x.label };
    if (x.tag !== null) o['tag'] = x.tag;
    if (x.list !== null) o['list'] = x.list;
    if (x.services.length) o['services'] = x.services;
    if (x.hosting !== null) o['hosting'] = x.hosting;
    o['scope'] = x.scope;
    const value = yamlString(JSON.stringify(o));
    lines.push(`${yamlString(r.network)}: ${value}`);
    const java = javaNetwork(r.version, r.start, r.bits);
    if (java !== r.network) lines.push(`${yamlString(java)}: ${value}`);
  }
  return { output: { kind: 'file', files: [{ name: '', data: lines.join('\n') + '\n' }] }, rows };
}
