// Keep/drop rules: compiled once from the config into matchers; the first rule whose conditions all hold decides.
import type { MatchSet, Owner } from '../lists/index.js';
import type { Direction, EventContext } from './context.js';

/** A rule as the config writes it (every condition optional; each a list, any element matching). */
export interface RuleSpec {
  name?: string | undefined;
  action: 'keep' | 'drop';
  tags?: string[] | undefined;
  lists?: string[] | undefined;
  scope?: string[] | undefined;
  services?: string[] | undefined;
  regions?: string[] | undefined;
  ports?: number[] | undefined;
  protocols?: string[] | undefined;
  direction?: Direction[] | undefined;
  images?: string[] | undefined;
  external?: boolean | undefined;
  /** The address's hosting: that of its most specific provider match. */
  hosting?: Array<'first-party' | 'customer'> | undefined;
  /** The owner's AS number. */
  asns?: number[] | undefined;
  /** The owner's organisation (globs). */
  orgs?: string[] | undefined;
  /** true: a threat list holds the address; false: none does. */
  threat?: boolean | undefined;
}

/** A rule's decision; one frozen object per rule (and one for the default), made at compile time. */
export interface Verdict {
  readonly action: 'keep' | 'drop';
  /** The deciding rule's name, or its index in rules.list; undefined when the default decided. */
  readonly rule: string | number | undefined;
}

type Condition = (r: MatchSet, c: EventContext, owner: Owner | undefined) => boolean;

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * One case-insensitive regex for a condition's strings: `*` matches any characters (including
 * `\` and `/`, so `*\powershell.exe` matches a full Windows path), everything else is literal.
 */
export function globMatcher(patterns: readonly string[]): RegExp {
  const alternatives = patterns.map((p) =>
    p
      .split('*')
      .map((part) => part.replace(REGEX_SPECIAL, '\\$&'))
      .join('.*'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`, 'is');
}

function anyOf(re: RegExp, values: readonly string[]): boolean {
  for (const v of values) if (re.test(v)) return true;
  return false;
}

function anyList(re: RegExp, r: MatchSet): boolean {
  for (const m of r.matches) if (re.test(m.list)) return true;
  for (const m of r.threat) if (re.test(m.list)) return true;
  return false;
}

function anyService(re: RegExp, r: MatchSet): boolean {
  for (const m of r.matches) if (anyOf(re, m.services)) return true;
  return false;
}

function anyRegion(re: RegExp, r: MatchSet): boolean {
  for (const m of r.matches) if (anyOf(re, m.regions)) return true;
  return false;
}

function namesThreatList(re: RegExp): (r: MatchSet) => boolean {
  return (r) => {
    for (const t of r.threat) if (re.test(t.list)) return true;
    return false;
  };
}

function compileConditions(spec: RuleSpec): Condition[] {
  const conds: Condition[] = [];
  if (spec.tags) {
    const re = globMatcher(spec.tags);
    conds.push((r) => anyOf(re, r.tags));
  }
  if (spec.lists) {
    const re = globMatcher(spec.lists);
    conds.push((r) => anyList(re, r));
  }
  if (spec.scope) {
    const re = globMatcher(spec.scope);
    conds.push((r) => re.test(r.scope));
  }
  if (spec.services) {
    // Either a list's service (Azure tag, AWS service) or the port's service family (dns, https).
    const re = globMatcher(spec.services);
    conds.push((r, c) => (c.service !== undefined && re.test(c.service)) || anyService(re, r));
  }
  if (spec.regions) {
    const re = globMatcher(spec.regions);
    conds.push((r) => anyRegion(re, r));
  }
  if (spec.ports) {
    const ports = new Set(spec.ports);
    conds.push((_r, c) => c.port !== undefined && ports.has(c.port));
  }
  if (spec.protocols) {
    const re = globMatcher(spec.protocols);
    conds.push((_r, c) => c.protocol !== undefined && re.test(c.protocol));
  }
  if (spec.direction) {
    const dirs = new Set(spec.direction);
    conds.push((_r, c) => c.direction !== undefined && dirs.has(c.direction));
  }
  if (spec.images) {
    const re = globMatcher(spec.images);
    conds.push((_r, c) => c.process !== undefined && re.test(c.process));
  }
  if (spec.external !== undefined) {
    const want = spec.external;
    conds.push((r) => r.external === want);
  }
  if (spec.hosting) {
    const want = new Set<string>(spec.hosting);
    conds.push((r) => {
      const h = hostingOfSet(r);
      return h !== undefined && want.has(h);
    });
  }
  if (spec.asns) {
    const asns = new Set(spec.asns);
    conds.push((_r, _c, o) => o?.asn !== undefined && asns.has(o.asn));
  }
  if (spec.orgs) {
    const re = globMatcher(spec.orgs);
    conds.push((_r, _c, o) => o?.org !== undefined && re.test(o.org));
  }
  if (spec.threat !== undefined) {
    const want = spec.threat;
    conds.push((r) => r.threat.length > 0 === want);
  }
  return conds;
}

/** An address's hosting: its most specific (first) match that has one; undefined outside provider lists. */
export function hostingOfSet(r: MatchSet): 'first-party' | 'customer' | undefined {
  for (const m of r.matches) if (m.hosting !== undefined) return m.hosting;
  return undefined;
}

interface CompiledRule {
  readonly verdict: Verdict;
  readonly conditions: readonly Condition[];
  /** A drop rule that names threats (`threat: true`, or `lists` naming a threat list) may drop a threat-listed address; no other drop rule does. */
  readonly dropsThreat: ((r: MatchSet) => boolean) | null;
}

/** The compiled rule list; `judge` runs per event and builds nothing. */
export class Rules {
  readonly #rules: readonly CompiledRule[];
  readonly #default: Verdict;

  /** Whether a rule reads the owner (asns, orgs): then a verdict depends on the address, not only its match set. */
  readonly usesOwner: boolean;
  /** Kept for a threat-listed address whose drop no rule named: the default never drops a threat. */
  readonly #threatKeep: Verdict;

  constructor(list: readonly RuleSpec[] = [], defaultAction: 'keep' | 'drop' = 'keep') {
    this.#rules = list.map((spec, i) => ({
      verdict: Object.freeze({ action: spec.action, rule: spec.name ?? i }),
      conditions: compileConditions(spec),
      dropsThreat: spec.action !== 'drop' ? null : spec.threat === true ? () => true : spec.lists ? namesThreatList(globMatcher(spec.lists)) : () => false,
    }));
    this.#default = Object.freeze({ action: defaultAction, rule: undefined });
    this.#threatKeep = Object.freeze({ action: 'keep', rule: undefined });
    this.usesOwner = list.some((s) => s.asns !== undefined || s.orgs !== undefined);
  }

  get size(): number {
    return this.#rules.length;
  }

  /** The verdict on an address's match set with its event's facts: the first rule whose conditions all hold, else the default. */
  judge(set: MatchSet, context: EventContext, owner?: Owner): Verdict {
    const threat = set.threat.length > 0;
    for (const rule of this.#rules) {
      // A threat-listed address is dropped only by a rule that names threats.
      if (threat && rule.dropsThreat !== null && !rule.dropsThreat(set)) continue;
      let all = true;
      for (const cond of rule.conditions) {
        if (!cond(set, context, owner)) {
          all = false;
          break;
        }
      }
      if (all) return rule.verdict;
    }
    return threat && this.#default.action === 'drop' ? this.#threatKeep : this.#default;
  }
}
