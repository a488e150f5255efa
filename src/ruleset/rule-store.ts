// The ruleset directory (--rules-dir): every installed set in sets/<UTC time>-<md5 prefix>/ and a `current`
// symbolic link to the one in use. A new set is written to a staging directory, renamed into sets/, and made
// current by renaming a fresh link over `current` (rename(2) is atomic), so a reader sees the old set or the
// new one, never a mix, and a failed update leaves `current` untouched. The previous set is kept; older
// ones are removed.

import { mkdir, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RulesUpdateError } from '../errors.ts';

export interface SetFile {
  readonly name: string;
  readonly data: Buffer;
}

/** Sets kept: the current one and the one before it. */
const KEEP = 2;

/** The directory `current` points to, or undefined when nothing is installed yet. */
export async function currentSet(rulesDir: string): Promise<string | undefined> {
  try {
    return join(rulesDir, await readlink(join(rulesDir, 'current')));
  } catch {
    return undefined;
  }
}

const setName = (now: Date, md5: string) => `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${md5.slice(0, 8)}`;

/** Installs files as a new set and makes it current; returns its directory. */
export async function installSet(rulesDir: string, files: readonly SetFile[], meta: { md5: string; source: string; now: Date }): Promise<string> {
  const sets = join(rulesDir, 'sets');
  const stage = join(rulesDir, `.staging-${process.pid}-${Date.now()}`);
  const name = setName(meta.now, meta.md5);
  const final = join(sets, name);
  try {
    await mkdir(sets, { recursive: true });
    await mkdir(stage);
    for (const f of files) await writeFile(join(stage, basename(f.name)), f.data);
    await writeFile(join(stage, 'SOURCE'), `source: ${meta.source}\nmd5: ${meta.md5}\ninstalled: ${meta.now.toISOString()}\n`);
    await rm(final, { recursive: true, force: true });
    await rename(stage, final);
    const link = join(rulesDir, `.current-${process.pid}`);
    await rm(link, { force: true });
    await symlink(join('sets', name), link);
    await rename(link, join(rulesDir, 'current'));
  } catch (e) {
    await rm(stage, { recursive: true, force: true });
    throw new RulesUpdateError('install', `cannot install the ruleset in ${rulesDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  await prune(sets, name);
  return final;
}

/** Removes sets older than the KEEP newest (names sort by time); never the current one. */
async function prune(sets: string, current: string): Promise<void> {
  const names = (await readdir(sets)).sort().reverse();
  const keep = new Set([current, ...names.slice(0, KEEP)]);
  for (const n of names) if (!keep.has(n)) await rm(join(sets, n), { recursive: true, force: true });
}
