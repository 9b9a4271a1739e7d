// The one chain from a config to an enricher: rules compiled once, the classifier of the lists in service.
import type { Config } from '../config/index.js';
import { Enricher, Rules } from '../enrich/index.js';
import type { Classifier } from '../lists/index.js';

/** The config's rules, compiled. */
export function rulesOf(config: Config): Rules {
  return new Rules(config.rules.list, config.rules.default);
}

/** An enricher over `classifier` with the config's fields and rules (compiled again unless given). */
export function enricherFor(config: Config, classifier: Classifier, rules: Rules = rulesOf(config)): Enricher {
  return new Enricher(classifier, config.enrich, rules);
}
