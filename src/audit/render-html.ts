// The audit report as one self-contained HTML file: inline CSS, inline SVG charts and a little inline JS for sorting; no external asset of any kind.
import type { AuditReport, ReportDestination } from './report.js';

function esc(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Horizontal bars, one per row: label, bar, count. Drawn here, so the file needs no chart library. */
function barChart(title: string, rows: readonly { label: string; value: number }[]): string {
  if (rows.length === 0) return `<figure><figcaption>${esc(title)}</figcaption><p class="none">(none)</p></figure>`;
  const max = Math.max(...rows.map((r) => r.value));
  const h = 18;
  const bars = rows
    .map((r, i) => {
      const w = max === 0 ? 0 : Math.max(1, Math.round((r.value / max) * 300));
      const y = i * h;
      return `<text x="0" y="${y + 13}">${esc(r.label.length > 28 ? r.label.slice(0, 27) + '…' : r.label)}</text><rect x="190" y="${y + 3}" width="${w}" height="${h - 6}"/><text x="${196 + w}" y="${y + 13}">${r.value}</text>`;
    })
    .join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" width="560" height="${rows.length * h}" viewBox="0 0 560 ${rows.length * h}">${bars}</svg></figure>`;
}

/** Connections per hour as columns, oldest first. */
function hourChart(rows: AuditReport['byHour']): string {
  if (rows.length === 0) return `<figure><figcaption>Connections per hour</figcaption><p class="none">(no timed records)</p></figure>`;
  const max = Math.max(...rows.map((r) => r.connections));
  const w = Math.max(2, Math.min(24, Math.floor(720 / rows.length)));
  const cols = rows
    .map((r, i) => {
      const hh = Math.max(1, Math.round((r.connections / max) * 120));
      return `<rect x="${i * w}" y="${130 - hh}" width="${w - 1}" height="${hh}"><title>${esc(r.hour)}: ${r.connections}</title></rect>`;
    })
    .join('');
  return `<figure><figcaption>Connections per hour (${esc(rows[0]!.hour)} to ${esc(rows[rows.length - 1]!.hour)})</figcaption><svg role="img" aria-label="connections per hour" width="${rows.length * w}" height="132" viewBox="0 0 ${rows.length * w} 132">${cols}</svg></figure>`;
}

/** `wrap`: the columns of long lists (process paths, host names) that may break, after a path separator or a dot first, so a wide cell does not push the table past the page. */
function sortable(id: string, head: readonly string[], rows: readonly (readonly (string | number | null)[])[], wrap: readonly number[] = []): string {
  const th = head.map((h, i) => `<th data-col="${i}">${esc(h)}</th>`).join('');
  // A timestamp may break after its date (<wbr>: the cell's text, and so its sort, is unchanged).
  const text = (c: string | null): string => (c !== null && /^\d{4}-\d\d-\d\dT/.test(c) ? `${esc(c.slice(0, 11))}<wbr>${esc(c.slice(11))}` : esc(c));
  const td = (c: string | number | null, i: number): string =>
    typeof c === 'number' ? `<td class="n">${c}</td>` : wrap.includes(i) ? `<td class="w">${esc(c).replace(/[\\/.]/g, '$&<wbr>')}</td>` : `<td>${text(c)}</td>`;
  const body = rows.map((r) => `<tr>${r.map(td).join('')}</tr>`).join('\n');
  return `<table class="sortable" id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function destinationTable(id: string, ds: readonly ReportDestination[]): string {
  if (ds.length === 0) return '<p class="none">(none)</p>';
  return sortable(
    id,
    ['destination', 'tag', 'hosting', 'owner', 'scope', 'connections', 'ports', 'services', 'processes', 'hosts', 'first', 'last'],
    ds.map((d) => [
      d.ip,
      d.label,
      d.hosting ?? '',
      d.owner === null ? '' : `${d.owner.asn !== undefined ? `AS${d.owner.asn} ` : ''}${d.owner.org ?? ''}`,
      d.scope,
      d.connections,
      d.ports.join(' '),
      d.services.join(' '),
      d.processes.join(' | '),
      d.hosts.join(' '),
      d.first,
      d.last,
    ]),
    [8, 9],
  );
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}td.w{overflow-wrap:anywhere;min-width:7em}
th{cursor:pointer;background:#f4f4f4;user-select:none}th.asc::after{content:" \\25B2"}th.desc::after{content:" \\25BC"}
svg text{font:12px system-ui,sans-serif;fill:#222}svg rect{fill:#3b6ea5}figure{margin:1em 0}figcaption{font-weight:600}.none{color:#777}
.totals td{padding-right:1.5em}.warn{background:#fff4e0}`;

// Click a header to sort by it; numbers sort as numbers. Inline, and the only script.
const JS = `document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
var t=th.closest('table'),b=t.tBodies[0],i=+th.dataset.col,asc=!th.classList.contains('asc');
t.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc')});th.classList.add(asc?'asc':'desc');
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent,n=parseFloat(a),m=parseFloat(c);
var r=(!isNaN(n)&&!isNaN(m)&&x.cells[i].classList.contains('n'))?n-m:(a<c?-1:a>c?1:0);return asc?r:-r});rows.forEach(function(r){b.appendChild(r)})})});`;

export function renderHtml(r: AuditReport, top = 20): string {
  const t = r.totals;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>ipdest audit: who are we connecting to?</title>`);
  // No network at all: a Content-Security-Policy that allows only what is inline.
  parts.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`);
  parts.push(`<style>${CSS}</style></head><body>`);
  parts.push(`<h1>ipdest audit: who are we connecting to?</h1>`);
  parts.push(
    `<table class="totals" id="totals"><tr><td>records</td><td class="n">${t.records}</td><td>connections</td><td class="n">${t.connections}</td><td>external</td><td class="n">${t.external}</td><td>untagged</td><td class="n">${t.untagged}</td><td>skipped</td><td class="n">${t.skipped}</td></tr></table>`,
  );
  parts.push(`<p>Seen ${esc(r.input.first ?? '(no times)')} to ${esc(r.input.last ?? '')}, from ${r.input.files.map((f) => esc(f.path)).join(', ')}.</p>`);
  if (r.new !== undefined) {
    const fresh = r.destinations.filter((d) => d.new === true);
    parts.push(`<section id="new"><h2>New since the baseline (${fresh.length})</h2>${destinationTable('new-table', fresh.slice(0, top))}`);
    parts.push(
      `<p>New owners: ${esc(r.new.owners.join(', ') || '(none)')}. New processes: ${esc(r.new.processes.join(', ') || '(none)')}. New services: ${esc(r.new.services.join(', ') || '(none)')}.</p></section>`,
    );
  }
  const unexplained = r.destinations.filter((d) => d.attention === 'threat' || d.attention === 'untagged');
  parts.push(
    `<section id="unexplained"><h2>Unexplained external destinations (${unexplained.length})</h2><p>Public addresses no list holds: the ones to look at.</p>${destinationTable('unexplained-table', unexplained.slice(0, top))}</section>`,
  );
  const top10 = <T>(xs: readonly T[]): readonly T[] => xs.slice(0, Math.min(top, 15));
  parts.push(`<section id="charts"><h2>At a glance</h2>`);
  parts.push(
    barChart(
      'Connections by tag',
      top10(r.byTag).map((x) => ({ label: x.tag, value: x.connections })),
    ),
  );
  parts.push(
    barChart(
      'Connections by owner',
      top10(r.byOwner).map((x) => ({ label: `${x.asn !== null ? `AS${x.asn} ` : ''}${x.org ?? ''}`, value: x.connections })),
    ),
  );
  parts.push(
    barChart(
      'Connections by service',
      top10(r.byService).map((x) => ({ label: x.service, value: x.connections })),
    ),
  );
  parts.push(hourChart(r.byHour));
  parts.push(`</section>`);
  parts.push(
    `<section id="destinations"><h2>Destinations (${r.destinations.length}${r.destinations.length > top ? `, top ${top}` : ''})</h2>${destinationTable('destinations-table', r.destinations.slice(0, top))}</section>`,
  );
  parts.push(
    `<section id="processes"><h2>Processes</h2>${sortable(
      'processes-table',
      ['process', 'connections', 'destinations', 'external', 'untagged'],
      r.processes.slice(0, top).map((x) => [x.process, x.connections, x.destinations, x.external, x.untagged]),
      [0],
    )}</section>`,
  );
  parts.push(
    `<section id="hosts"><h2>Hosts</h2>${sortable(
      'hosts-table',
      ['host', 'connections', 'destinations', 'external', 'untagged'],
      r.hosts.slice(0, top).map((x) => [x.host, x.connections, x.destinations, x.external, x.untagged]),
    )}</section>`,
  );
  parts.push(
    `<section id="beacons"><h2>Beacons</h2><p>RITA v5 beacon score (timestamp, data size, duration, histogram sub-scores, 0.25 each).</p>${
      r.beacons.length === 0
        ? '<p class="none">(none)</p>'
        : sortable(
            'beacons-table',
            ['source', 'destination', 'port', 'connections', 'score', 'ts', 'ds', 'dur', 'hist'],
            r.beacons.slice(0, top).map((b) => [b.source, b.destination, b.port, b.connections, b.score, b.ts, b.ds, b.dur, b.hist]),
          )
    }</section>`,
  );
  parts.push(
    `<section id="strobes"><h2>Strobes</h2><p>Pairs of 86,400 connections or more (RITA: one a second for a day), not scored as beacons.</p>${
      r.strobes.length === 0
        ? '<p class="none">(none)</p>'
        : sortable(
            'strobes-table',
            ['source', 'destination', 'port', 'connections'],
            r.strobes.slice(0, top).map((x) => [x.source, x.destination, x.port, x.connections]),
          )
    }</section>`,
  );
  parts.push(
    `<section id="long-connections"><h2>Long connections</h2><p>Pairs whose connections last an hour or more in all (RITA's score: 0.2 at 1 h to 0.8 at 12 h).</p>${
      r.longConnections.length === 0
        ? '<p class="none">(none)</p>'
        : sortable(
            'long-connections-table',
            ['source', 'destination', 'port', 'connections', 'duration (s)', 'score'],
            r.longConnections.slice(0, top).map((x) => [x.source, x.destination, x.port, x.connections, x.duration, x.score]),
          )
    }</section>`,
  );
  parts.push(`<script>${JS}</script></body></html>\n`);
  return parts.join('\n');
}
