// What every command starts from: the config and the loaded lists, with warnings on stderr.
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { loadOnce, type LoadedService } from '../service/index.js';
import { warn } from './report.js';

export interface CliContext extends LoadedConfig, LoadedService {}

export async function loadContext(configPath: string | undefined, opts: { quiet?: boolean; stderr?: NodeJS.WritableStream } = {}): Promise<CliContext> {
  const loaded = loadConfig(configPath);
  const service = await loadOnce(loaded.config, loaded.baseDir);
  if (!opts.quiet) {
    for (const l of service.lists.lists) {
      for (const w of l.warnings) warn(`list ${l.name}: ${w}`, opts.stderr);
      if (l.error) warn(`list ${l.name}: ${l.error.message}`, opts.stderr);
    }
  }
  return { ...loaded, ...service };
}

/** What identifies the lists a context loaded (names, versions, files, owners): two contexts with one fingerprint answer alike. */
export function contextFingerprint(ctx: LoadedService): string {
  const o = ctx.owners;
  return JSON.stringify({
    lists: ctx.lists.lists.map((l) => [l.name, l.tag, l.version, l.file, l.error?.message ?? null]),
    owners: [o.state, o.sources, o.prefixes, o.error],
  });
}
