// The one chain from a config to an enricher: rules compiled once, the classifier of the lists in service, the owner layer.
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { Enricher, Rules } from '../enrich/index.js';
import { bundledOwnerFiles, type Classifier, type OwnerSettings, type OwnerSourceInfo, type OwnerSource } from '../lists/index.js';

/** The config's rules, compiled. */
export function rulesOf(config: Config): Rules {
  return new Rules(config.rules.list, config.rules.default);
}

/** An enricher over `classifier` with the config's fields and rules (compiled again unless given). */
export function enricherFor(config: Config, classifier: Classifier, rules: Rules = rulesOf(config), owners: OwnerSource | null = null): Enricher {
  return new Enricher(classifier, config.enrich, rules, undefined, owners);
}

/**
 * The config's owner layer as files to read: the user's own (relative to the config file), else
 * the datasets installed with ipdest; `sources` names them for /lists and the attribution.
 */
export function ownerSettingsOf(config: Config, baseDir: string): { settings: OwnerSettings; sources: OwnerSourceInfo[] } {
  const o = config.owners;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const cacheDir = o.cache === false || o.cache === undefined ? null : abs(o.cache);
  if (o.mmdb !== undefined) return { settings: { enabled: o.enabled, asn: [], country: [], cacheDir, mmdb: o.mmdb.map(abs) }, sources: [] };
  if (o.asn !== undefined || o.country !== undefined) {
    const asn = (o.asn ?? []).map(abs);
    const country = (o.country ?? []).map(abs);
    return {
      settings: { enabled: o.enabled, asn, country, cacheDir },
      sources: [{ name: 'owners (config)', files: [...asn, ...country], ranges: 0, licence: '' }],
    };
  }
  const bundled = bundledOwnerFiles();
  if (bundled === null) return { settings: { enabled: false, asn: [], country: [], cacheDir }, sources: [] };
  return { settings: { enabled: o.enabled, asn: bundled.asn, country: bundled.country, cacheDir }, sources: bundled.sources };
}
