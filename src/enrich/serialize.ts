// Result JSON without re-serialising what load time already knows: each match set's text is built once.
import type { MatchSet } from '../lists/index.js';
import type { EventContext } from './context.js';
import type { LookupResult, Result } from './result.js';
import type { Verdict } from './rules.js';

/**
 * The part of a result that depends only on its match set, from `"IPDestination"` to `"external"`,
 * with the comma before it. The Enricher prebuilds one per set of its classifier (by set id).
 */
export function setFragment(s: MatchSet): string {
  const threat = s.threat.length > 0 ? `,"threat":${JSON.stringify(s.threat)}` : '';
  return `,"IPDestination":${JSON.stringify(s.tag)},"label":${JSON.stringify(s.label)},"tags":${JSON.stringify(s.tags)},"matches":${JSON.stringify(s.matches)}${threat},"scope":"${s.scope}","external":${s.external}`;
}

/** `,"action":…` and `,"rule":…` when a rule decided. */
export function verdictText(v: Verdict): string {
  return v.rule === undefined ? `,"action":"${v.action}"` : `,"action":"${v.action}","rule":${JSON.stringify(v.rule)}`;
}

/** The event's connection facts, in the contract's key order, each with its leading comma. */
export function contextText(c: EventContext): string {
  let s = '';
  if (c.direction !== undefined) s += `,"direction":"${c.direction}"`;
  if (c.port !== undefined) s += `,"port":${c.port}`;
  if (c.protocol !== undefined) s += `,"protocol":${JSON.stringify(c.protocol)}`;
  if (c.service !== undefined) s += `,"service":"${c.service}"`;
  if (c.process !== undefined) s += `,"process":${JSON.stringify(c.process)}`;
  return s;
}

/**
 * A string as JSON: quoted as it is when nothing in it needs escaping (every address text that
 * parses), else JSON.stringify (quotes, backslashes, controls, lone surrogates).
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** `,"version":…,"mapped":…` for the three kinds of address, so a lookup writes one constant. */
export const VERSION_MAPPED = Object.freeze({
  v4: '","version":4,"mapped":false',
  v4mapped: '","version":4,"mapped":true',
  v6: '","version":6,"mapped":false',
});

// For results built without their Enricher (resultJson below): the fragment by the result's shared
// `matches` array (one per match set); unmatched results depend only on their scope.
const byMatches = new WeakMap<object, string>();
const byScope = new Map<string, string>();

function fragment(r: LookupResult): string {
  const cached = r.matches.length > 0 ? byMatches.get(r.matches) : byScope.get(r.scope);
  if (cached !== undefined) return cached;
  if (r.threat !== undefined)
    return setFragment({
      id: -1,
      matches: r.matches,
      threat: r.threat,
      tag: r.IPDestination,
      tags: r.tags,
      scope: r.scope,
      external: r.external,
      label: r.label,
    });
  const text = setFragment({
    id: -1,
    matches: r.matches,
    threat: [],
    tag: r.IPDestination,
    tags: r.tags,
    scope: r.scope,
    external: r.external,
    label: r.label,
  });
  if (r.matches.length > 0) byMatches.set(r.matches, text);
  else byScope.set(r.scope, text);
  return text;
}

/**
 * Exactly `JSON.stringify(result)` (test/enrich/serialize.test.ts checks it on real data), in a
 * fraction of the time: bench/enrich.ts. Failures take the generic path. The Enricher's own
 * `lookupJson`/`judgeText` write the same bytes from its prebuilt fragments.
 */
export function resultJson(d: Result): string {
  if ('error' in d) return JSON.stringify(d);
  const r = d;
  return `{"input":${JSON.stringify(r.input)},"ip":"${r.ip}","version":${r.version},"mapped":${r.mapped}${fragment(r)}${r.owner === undefined ? '' : `,"owner":${JSON.stringify(r.owner)}`}${verdictText(r as Verdict)}${contextText(r)}}`;
}
