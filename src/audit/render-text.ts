// The audit report as aligned text tables for a terminal: the top N rows of each section, what to read first at the top.
import type { AuditReport, ReportDestination } from './report.js';

/** Columns padded to their widest cell; numbers right-aligned. */
function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? String(c) : c)))];
  const numeric = head.map((_h, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const widths = head.map((_h, i) => Math.max(...cells.map((r) => (r[i] as string).length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? (c as string).padStart(widths[i]!) : (c as string).padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function section(title: string, total: number, top: number, body: string): string {
  const more = total > top ? ` (top ${top} of ${total})` : '';
  return `${title}${more}\n${body}\n`;
}

function list(xs: readonly (string | number)[], max = 3): string {
  return xs.length <= max ? xs.join(',') : `${xs.slice(0, max).join(',')},+${xs.length - max}`;
}

function destinationRows(ds: readonly ReportDestination[]): (string | number)[][] {
  return ds.map((d) => [
    d.ip,
    d.label + (d.hosting === 'customer' ? ' (customer)' : ''),
    d.owner?.asn !== undefined ? `AS${d.owner.asn} ${d.owner.org ?? ''}`.trim() : '-',
    d.connections,
    list(d.ports) || '-',
    list(
      d.processes.map((p) => p.split(/[\\/]/).pop()!),
      2,
    ) || '-',
    d.new === null ? '' : d.new ? 'new' : '',
  ]);
}

export function renderText(r: AuditReport, top = 20): string {
  const t = r.totals;
  const out: string[] = [];
  out.push(
    `ipdest audit: ${t.records} records in ${r.input.files.length} file(s), ${t.connections} connections, ${t.external} external, ${t.untagged} untagged, ${t.skipped} skipped` +
      (r.input.first !== null ? `\nseen ${r.input.first} .. ${r.input.last}` : '') +
      (r.filters.only !== null || r.filters.since !== null || r.filters.until !== null
        ? `\nfilters: ${[r.filters.only && `only ${r.filters.only}`, r.filters.since && `since ${r.filters.since}`, r.filters.until && `until ${r.filters.until}`].filter(Boolean).join(', ')} (${t.selected} connections selected)`
        : '') +
      '\n',
  );
  const head = ['destination', 'tag', 'owner', 'conns', 'ports', 'processes', ''];
  if (r.new !== undefined) {
    const fresh = r.destinations.filter((d) => d.new === true);
    out.push(section('New since the baseline', fresh.length, top, fresh.length === 0 ? '(none)' : table(head, destinationRows(fresh.slice(0, top)))));
  }
  const unexplained = r.destinations.filter((d) => d.attention === 'threat' || d.attention === 'untagged');
  out.push(
    section(
      'Unexplained external destinations (no list holds them)',
      unexplained.length,
      top,
      unexplained.length === 0 ? '(none)' : table(head, destinationRows(unexplained.slice(0, top))),
    ),
  );
  out.push(section('Destinations', r.destinations.length, top, table(head, destinationRows(r.destinations.slice(0, top)))));
  const counted = <T extends { connections: number; destinations: number }>(title: string, key: string, rows: readonly T[], name: (x: T) => string): void => {
    out.push(
      section(
        title,
        rows.length,
        top,
        table(
          [key, 'conns', 'dests'],
          rows.slice(0, top).map((x) => [name(x), x.connections, x.destinations]),
        ),
      ),
    );
  };
  counted('By tag', 'tag', r.byTag, (x) => x.tag);
  counted('By service', 'service', r.byService, (x) => x.service);
  counted('By owner', 'owner', r.byOwner, (x) => `${x.asn !== null ? `AS${x.asn} ` : ''}${x.org ?? ''}`.trim());
  counted('By hosting', 'hosting', r.byHosting, (x) => x.hosting);
  counted('By direction', 'direction', r.byDirection, (x) => x.direction);
  const party = <T extends { connections: number; destinations: number; external: number; untagged: number }>(
    title: string,
    key: string,
    rows: readonly T[],
    name: (x: T) => string,
  ): void => {
    out.push(
      section(
        title,
        rows.length,
        top,
        table(
          [key, 'conns', 'dests', 'external', 'untagged'],
          rows.slice(0, top).map((x) => [name(x), x.connections, x.destinations, x.external, x.untagged]),
        ),
      ),
    );
  };
  party('By process', 'process', r.processes, (x) => x.process);
  party('By host', 'host', r.hosts, (x) => x.host);
  out.push(
    section(
      'Beacons (RITA v5 score)',
      r.beacons.length,
      top,
      r.beacons.length === 0
        ? '(none: no pair other than a strobe has connections in 4 or more distinct seconds to an external destination)'
        : table(
            ['source', 'destination', 'port', 'conns', 'score', 'ts', 'ds', 'dur', 'hist'],
            r.beacons
              .slice(0, top)
              .map((b) => [
                b.source,
                b.destination,
                b.port ?? '-',
                b.connections,
                b.score.toFixed(3),
                b.ts.toFixed(3),
                b.ds === null ? '-' : b.ds.toFixed(3),
                b.dur.toFixed(3),
                b.hist.toFixed(3),
              ]),
          ),
    ),
  );
  out.push(
    section(
      'Strobes (RITA: 86,400 connections or more a pair, not scored as beacons)',
      r.strobes.length,
      top,
      r.strobes.length === 0
        ? '(none)'
        : table(
            ['source', 'destination', 'port', 'conns'],
            r.strobes.slice(0, top).map((x) => [x.source, x.destination, x.port ?? '-', x.connections]),
          ),
    ),
  );
  out.push(
    section(
      'Long connections (RITA: durations adding up to an hour or more a pair)',
      r.longConnections.length,
      top,
      r.longConnections.length === 0
        ? '(none: no pair reaches an hour; Zeek records give durations)'
        : table(
            ['source', 'destination', 'port', 'conns', 'duration', 'score'],
            r.longConnections.slice(0, top).map((x) => [x.source, x.destination, x.port ?? '-', x.connections, hms(x.duration), x.score.toFixed(3)]),
          ),
    ),
  );
  return out.join('\n');
}

/** Seconds as h:mm:ss (whole seconds): how long a connection lasted, at a glance. */
function hms(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
