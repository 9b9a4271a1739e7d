// Writing an export in place atomically: every file to a temporary name beside it, then renamed over the old one.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** One file of an export: the main file (name ''), a file beside it (a suffix such as '.sql'), or a file in its folder. */
export interface ExportFile {
  readonly name: string;
  readonly data: Buffer | string;
}

/**
 * What a format produces. `file`: PATH is the main file and the others are PATH + their suffix
 * (PATH.sql beside it). `folder`: PATH is a folder holding the files, replaced as a whole.
 */
export interface ExportOutput {
  readonly kind: 'file' | 'folder';
  readonly files: readonly ExportFile[];
}

/** Why an export cannot be put at PATH (the CLI answers it as a usage error: the path given is wrong). */
export class OutputPathError extends Error {}

async function kindAt(path: string): Promise<'file' | 'folder' | 'other' | null> {
  try {
    const s = await lstat(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const tempName = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** A file written under a temporary name and renamed into place: a reader sees the old file or the whole new one. */
async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const kind = await kindAt(path);
  if (kind === 'folder') throw new OutputPathError(`${path} is a folder: not replaced by a file (give a file name)`);
  if (kind === 'other') throw new OutputPathError(`${path} is not a regular file: not replaced`);
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes an export at `path`; resolves to the bytes written. */
export async function writeOutput(out: ExportOutput, path: string): Promise<number> {
  let bytes = 0;
  for (const f of out.files) bytes += typeof f.data === 'string' ? Buffer.byteLength(f.data) : f.data.length;
  if (out.kind === 'file') {
    // The main file last: a pipeline watching it finds its companions (the DDL, the mapping) already there.
    for (const f of [...out.files.filter((f) => f.name !== ''), ...out.files.filter((f) => f.name === '')]) await writeAtomically(path + f.name, f.data);
    return bytes;
  }
  const kind = await kindAt(path);
  if (kind === 'file' || kind === 'other') throw new OutputPathError(`${path} is a file: not replaced by a folder (give a folder name)`);
  const tmp = tempName(path);
  try {
    await mkdir(tmp);
    for (const f of out.files) await writeFile(join(tmp, f.name), f.data);
    if (kind === 'folder') {
      // A folder cannot be renamed over a folder that has files: the old one steps aside first.
      const old = tempName(path);
      await rename(path, old);
      await rename(tmp, path);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, path);
    }
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return bytes;
}
