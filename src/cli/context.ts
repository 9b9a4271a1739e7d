// What every command starts from: the config and the loaded lists, with warnings on stderr.
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { loadLists, type ListSet } from '../lists/index.js';
import { Enricher, Rules } from '../enrich/index.js';
import { warn } from './report.js';

export interface CliContext extends LoadedConfig {
  readonly lists: ListSet;
  readonly enricher: Enricher;
}

export async function loadContext(configPath: string | undefined, opts: { quiet?: boolean; stderr?: NodeJS.WritableStream } = {}): Promise<CliContext> {
  const loaded = loadConfig(configPath);
  const lists = await loadLists(loaded.config.lists, { baseDir: loaded.baseDir, builtins: loaded.config.builtins });
  if (!opts.quiet) {
    for (const l of lists.lists) {
      for (const w of l.warnings) warn(`list ${l.name}: ${w}`, opts.stderr);
      if (l.error) warn(`list ${l.name}: ${l.error.message}`, opts.stderr);
    }
  }
  const rules = new Rules(loaded.config.rules.list, loaded.config.rules.default);
  return { ...loaded, lists, enricher: new Enricher(lists.classifier, loaded.config.enrich, rules) };
}
