// nftables and ipset: one set per tag and family, of the disjoint blocks whose IPDestination is that tag.
import type { ExportOutput } from './output.js';
import type { ExportSource } from './pieces.js';
import { blocksByTag, safeName } from './logstash.js';
import type { Row } from './rows.js';

function setsOf(src: ExportSource): Array<{ tag: string; name: string; v4: Row[]; v6: Row[] }> {
  const out = [];
  for (const [tag, rows] of blocksByTag(src)) {
    out.push({ tag, name: safeName(tag).toLowerCase().slice(0, 20), v4: rows.filter((r) => r.version === 4), v6: rows.filter((r) => r.version === 6) });
  }
  return out;
}

/**
 * An nftables file for `include`: a `define` per tag and family, and a table `inet ipdest` with
 * interval sets. Elements are disjoint, so the sets load without `auto-merge`; an empty family is
 * left out (nft refuses an empty `{ }`).
 */
export function writeNftables(src: ExportSource): { output: ExportOutput; rows: { v4: number; v6: number } } {
  const defines: string[] = [];
  const sets: string[] = [];
  const rows = { v4: 0, v6: 0 };
  for (const s of setsOf(src)) {
    for (const [family, list, type] of [
      ['v4', s.v4, 'ipv4_addr'],
      ['v6', s.v6, 'ipv6_addr'],
    ] as const) {
      if (list.length === 0) continue;
      rows[family] += list.length;
      const name = `ipdest_${s.name.replace(/-/g, '_')}_${family}`;
      defines.push(
        `# ${s.tag}, ${list.length} ${family === 'v4' ? 'IPv4' : 'IPv6'} networks\ndefine ${name} = {\n${list.map((r) => `  ${r.network}`).join(',\n')}\n}`,
      );
      sets.push(`  set ${name} {\n    type ${type}\n    flags interval\n    elements = $${name}\n  }`);
    }
  }
  const text = `# ipdest export: destination tags as nftables sets\n${defines.join('\n')}\n\ntable inet ipdest {\n${sets.join('\n')}\n}\n`;
  return { output: { kind: 'file', files: [{ name: '', data: text }] }, rows };
}

/** An `ipset restore` file: per tag and family a hash:net set created if absent, flushed and filled. */
export function writeIpset(src: ExportSource): { output: ExportOutput; rows: { v4: number; v6: number } } {
  const lines = ['# ipdest export: destination tags as ipsets (ipset restore < FILE)'];
  const rows = { v4: 0, v6: 0 };
  for (const s of setsOf(src)) {
    for (const [family, list, inet] of [
      ['v4', s.v4, 'inet'],
      ['v6', s.v6, 'inet6'],
    ] as const) {
      if (list.length === 0) continue;
      rows[family] += list.length;
      // ipset names are at most 31 characters: "ipdest-" + 20 + "-v4".
      const name = `ipdest-${s.name}-${family}`;
      lines.push(`create ${name} hash:net family ${inet} maxelem ${Math.max(65536, list.length * 2)} -exist`, `flush ${name}`);
      for (const r of list) lines.push(`add ${name} ${r.network}`);
    }
  }
  return { output: { kind: 'file', files: [{ name: '', data: lines.join('\n') + '\n' }] }, rows };
}
