// `ipdest lists update|rollback`: download the configured lists from their sources, or put a list's previous version back.
import { loadConfig, proxyEnv } from '../config/index.js';
import { planFor, rollbackList, RollbackError, updateLists, type UpdateOptions, type UpdateOutcome } from '../lists/index.js';
import { error, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, warn } from './report.js';

export interface UpdateCliOptions {
  config?: string;
  json?: boolean;
  force?: boolean;
}

function line(o: UpdateOutcome): string {
  const version =
    o.version === null ? 'no version' : o.previousVersion !== null && o.previousVersion !== o.version ? `${o.version} (was ${o.previousVersion})` : o.version;
  const counts = o.prefixes ? `, ${o.prefixes.v4} IPv4, ${o.prefixes.v6} IPv6` : '';
  return `${o.name}: ${o.state}: ${version}${counts}${o.reason ? `: ${o.reason}` : ''}`;
}

/**
 * Without names: every list with a source (its url, or its format's official one); lists without
 * one are local files and are left alone. A named list without a source fails with the reason.
 */
export async function runUpdate(
  names: string[],
  opts: UpdateCliOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  extra: Partial<UpdateOptions> = {},
): Promise<number> {
  const loaded = loadConfig(opts.config);
  const all = loaded.config.lists;
  const unknown = names.filter((n) => !all.some((l) => l.name === n));
  if (unknown.length > 0) {
    error(
      `no list named ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${loaded.file ?? 'the embedded defaults'} (lists: ${all.map((l) => l.name).join(', ') || 'none'})`,
      io.stderr,
    );
    return EXIT_USAGE;
  }
  const chosen = names.length > 0 ? all.filter((l) => names.includes(l.name)) : all.filter((l) => !('none' in planFor(l)));
  const summary = await updateLists(chosen, {
    baseDir: loaded.baseDir,
    force: opts.force === true,
    download: { proxy: proxyEnv() },
    onNote: (name, message) => warn(`list ${name}: ${message}`, io.stderr),
    ...extra,
  });
  if (opts.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else if (summary.lists.length === 0) io.stdout.write('no list has a source to download from (set url on a list)\n');
  else io.stdout.write(summary.lists.map(line).join('\n') + '\n');
  return summary.lists.every((l) => l.state === 'updated' || l.state === 'unchanged') ? EXIT_OK : EXIT_FAILURE;
}

export async function runRollback(
  name: string,
  opts: { config?: string; json?: boolean },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const loaded = loadConfig(opts.config);
  const list = loaded.config.lists.find((l) => l.name === name);
  if (list === undefined) {
    error(`no list named ${JSON.stringify(name)} in ${loaded.file ?? 'the embedded defaults'}`, io.stderr);
    return EXIT_USAGE;
  }
  try {
    const r = await rollbackList(list, { baseDir: loaded.baseDir });
    if (opts.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else io.stdout.write(`${name}: rolled back to ${r.version ?? 'an unversioned file'} (${r.file}), from ${r.previousVersion ?? 'an unknown version'}\n`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof RollbackError)) throw err;
    error(err.message, io.stderr);
    return EXIT_FAILURE;
  }
}
