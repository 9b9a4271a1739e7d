// Loading once, for commands that answer and exit: the same lists → rules → enricher chain a server builds.
import type { Config } from '../config/index.js';
import type { Enricher } from '../enrich/index.js';
import { downloadRecords, loadLists, loadOwners, type ListSet, type OwnersInfo } from '../lists/index.js';
import { enricherFor, ownerSettingsOf, rulesOf } from './chain.js';

export interface LoadedService {
  readonly lists: ListSet;
  readonly enricher: Enricher;
  readonly owners: OwnersInfo;
}

/** Reads every list of the config once and builds the enricher over them (no worker thread, no watching). */
export async function loadOnce(config: Config, baseDir: string): Promise<LoadedService> {
  const { settings, sources } = ownerSettingsOf(config, baseDir);
  const [lists, owners] = await Promise.all([
    loadLists(config.lists, { baseDir, builtins: config.builtins, downloads: downloadRecords(config.lists, baseDir) }),
    loadOwners(settings, sources),
  ]);
  return { lists, enricher: enricherFor(config, lists.classifier, rulesOf(config), owners.table), owners: owners.info };
}
