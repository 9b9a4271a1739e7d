// mergeMetrics: the Prometheus text of several `serve --workers N` processes as one: counters and histograms summed, gauges summed or the max.
/**
 * Gauges that add up across processes (memory, descriptors and connections each process holds);
 * every other gauge (list sizes and ages, staleness, event-loop lag, start time, limits of one
 * process) is the max over the workers: they load the same files, so their values agree but for
 * the moment each read them.
 */
const SUMMED_GAUGE = /(_bytes|_open_fds|_total)$|^ipdest_connections_(open|limit)$|^ipdest_audit_destinations_tracked$/;

interface Family {
  help: string;
  type: string;
  samples: Map<string, number>;
}

/** `name{labels} value` → [series, value]; null for what is not a sample line. */
function sample(line: string): [string, number] | null {
  const at = line.lastIndexOf(' ');
  if (at <= 0) return null;
  return [line.slice(0, at), Number(line.slice(at + 1))];
}

/** The family a series belongs to: its name less a histogram's or summary's suffix when that family is declared. */
function familyOf(series: string, families: Map<string, Family>): string {
  const brace = series.indexOf('{');
  const name = brace < 0 ? series : series.slice(0, brace);
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(base) ? base : name;
}

function render(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/**
 * One exposition from several: each series is kept once, in the order first seen. Summed: counters,
 * histograms, summaries' `_sum` and `_count` (a summary's quantiles are the max: they cannot be
 * added), and the gauges SUMMED_GAUGE names. `extra` lines (the primary's own, such as
 * `ipdest_workers`) are appended.
 */
export function mergeMetrics(texts: readonly string[], extra = ''): string {
  const families = new Map<string, Family>();
  for (const text of texts) {
    let current: Family | null = null;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP ')) {
        const rest = line.slice(7);
        const sp = rest.indexOf(' ');
        const name = sp < 0 ? rest : rest.slice(0, sp);
        current = families.get(name) ?? null;
        if (current === null) {
          current = { help: line, type: '', samples: new Map() };
          families.set(name, current);
        }
        continue;
      }
      if (line.startsWith('# TYPE ')) {
        const [name] = line.slice(7).split(' ');
        let f = families.get(name!);
        if (f === undefined) {
          f = { help: '', type: '', samples: new Map() };
          families.set(name!, f);
        }
        if (f.type === '') f.type = line;
        current = f;
        continue;
      }
      if (line.startsWith('#')) continue;
      const s = sample(line);
      if (s === null) continue;
      const [series, value] = s;
      const name = familyOf(series, families);
      const f = families.get(name) ?? current;
      if (f === null || f === undefined) continue;
      const type = f.type.split(' ')[3] ?? 'untyped';
      const before = f.samples.get(series);
      if (before === undefined) f.samples.set(series, value);
      else f.samples.set(series, summed(type, name, series) ? before + value : Math.max(before, value));
    }
  }
  let out = '';
  for (const f of families.values()) {
    if (f.help) out += f.help + '\n';
    if (f.type) out += f.type + '\n';
    for (const [series, value] of f.samples) out += `${series} ${render(value)}\n`;
  }
  return out + extra;
}

function summed(type: string, family: string, series: string): boolean {
  if (type === 'counter' || type === 'histogram') return true;
  if (type === 'summary') return !series.includes('quantile=');
  if (type === 'gauge') return SUMMED_GAUGE.test(family);
  return false;
}
