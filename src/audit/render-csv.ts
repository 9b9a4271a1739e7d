// The audit report as RFC 4180 CSV: one row per destination, CRLF line ends, cells quoted when they hold a comma, quote or line break.
import type { AuditReport } from './report.js';

export const CSV_COLUMNS = [
  'ip',
  'IPDestination',
  'label',
  'lists',
  'hosting',
  'asn',
  'org',
  'country',
  'scope',
  'external',
  'direction',
  'ports',
  'services',
  'processes',
  'hosts',
  'connections',
  'bytes',
  'first',
  'last',
  'new',
  'attention',
] as const;

function cell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Lists inside a cell are joined with a space: no value ipdest writes holds one except process paths, which are quoted then. */
export function renderCsv(r: AuditReport): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const d of r.destinations) {
    const v: Record<(typeof CSV_COLUMNS)[number], string> = {
      ip: d.ip,
      IPDestination: d.IPDestination ?? '',
      label: d.label,
      lists: [...new Set(d.matches.map((m) => m.list))].join(' '),
      hosting: d.hosting ?? '',
      asn: d.owner?.asn !== undefined ? String(d.owner.asn) : '',
      org: d.owner?.org ?? '',
      country: d.owner?.country ?? '',
      scope: d.scope,
      external: String(d.external),
      direction: d.direction,
      ports: d.ports.join(' '),
      services: d.services.join(' '),
      processes: d.processes.join('|'),
      hosts: d.hosts.join(' '),
      connections: String(d.connections),
      bytes: d.bytes === null ? '' : String(d.bytes),
      first: d.first ?? '',
      last: d.last ?? '',
      new: d.new === null ? '' : String(d.new),
      attention: d.attention,
    };
    rows.push(CSV_COLUMNS.map((c) => cell(v[c])).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}
