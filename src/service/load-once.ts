// Loading once, for commands that answer and exit: the same lists → rules → enricher chain a server builds.
import type { Config } from '../config/index.js';
import type { Enricher } from '../enrich/index.js';
import { loadLists, type ListSet } from '../lists/index.js';
import { enricherFor } from './chain.js';

export interface LoadedService {
  readonly lists: ListSet;
  readonly enricher: Enricher;
}

/** Reads every list of the config once and builds the enricher over them (no worker thread, no watching). */
export async function loadOnce(config: Config, baseDir: string): Promise<LoadedService> {
  const lists = await loadLists(config.lists, { baseDir, builtins: config.builtins });
  return { lists, enricher: enricherFor(config, lists.classifier) };
}
