// Result JSON without re-serialising what load time already knows: each match set's text is built once.
import type { Match } from '../lists/index.js';
import type { LookupResult, Result } from './result.js';

// The part of a result that depends only on the matched prefix, by the result's shared `matches`
// array (one per match set); unmatched results depend only on their scope. Built on first use,
// so memory grows with the prefixes actually seen, not with the lists.
const byMatches = new WeakMap<readonly Match[], string>();
const byScope = new Map<string, string>();

function fragment(r: LookupResult): string {
  const cached = r.matches.length > 0 ? byMatches.get(r.matches) : byScope.get(r.scope);
  if (cached !== undefined) return cached;
  const text = `"IPDestination":${JSON.stringify(r.IPDestination)},"label":${JSON.stringify(r.label)},"tags":${JSON.stringify(r.tags)},"matches":${JSON.stringify(r.matches)},"scope":"${r.scope}","external":${r.external}`;
  if (r.matches.length > 0) byMatches.set(r.matches, text);
  else byScope.set(r.scope, text);
  return text;
}

/**
 * Exactly `JSON.stringify(result)` (test/enrich/serialize.test.ts checks it on real data), in a
 * fraction of the time: bench/enrich.ts. Failures take the generic path.
 */
export function resultJson(d: Result): string {
  if ('error' in d) return JSON.stringify(d);
  const r = d;
  let s = `{"input":${JSON.stringify(r.input)},"ip":"${r.ip}","version":${r.version},"mapped":${r.mapped},${fragment(r)},"action":"${r.action}"`;
  if (r.rule !== undefined) s += `,"rule":${JSON.stringify(r.rule)}`;
  if (r.direction !== undefined) s += `,"direction":"${r.direction}"`;
  if (r.port !== undefined) s += `,"port":${r.port}`;
  if (r.protocol !== undefined) s += `,"protocol":${JSON.stringify(r.protocol)}`;
  if (r.service !== undefined) s += `,"service":"${r.service}"`;
  if (r.process !== undefined) s += `,"process":${JSON.stringify(r.process)}`;
  return s + '}';
}
