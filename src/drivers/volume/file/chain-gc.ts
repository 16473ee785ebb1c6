import fs from 'node:fs/promises';
import path from 'node:path';
import { readQcow2Header } from './qcow2-header.ts';
import { qemuImg } from './qemu-img.ts';
import type { VolumeFiles } from './volume-files.ts';

/** The qcow2 backing graph of the backend directory, read from headers and symlinks. */
export interface ChainInventory {
  /** Regular qcow2 files -> the bare name of their backing file (undefined: none). */
  readonly backing: ReadonlyMap<string, string | undefined>;
  /** Frozen files a snapshot symlink points at. */
  readonly pinned: ReadonlySet<string>;
}

export async function scanChains(files: VolumeFiles): Promise<ChainInventory> {
  const backing = new Map<string, string | undefined>();
  const pinned = new Set<string>();
  for (const entry of await fs.readdir(files.dir, { withFileTypes: true })) {
    const name = entry.name;
    if (!name.endsWith('.qcow2')) continue;
    if (entry.isSymbolicLink()) {
      if (name.startsWith('snapshot-')) pinned.add(path.basename(await fs.readlink(files.at(name))));
      continue;
    }
    if (!entry.isFile()) continue;
    try {
      backing.set(name, (await readQcow2Header(files.at(name))).backingFile);
    } catch (err) {
      // a tmp file being written has no header yet (and never a backing file); anything
      // else unreadable stops collection, since deleting on a wrong picture loses data
      if (name.startsWith('tmp-')) continue;
      throw err;
    }
  }
  return { backing, pinned };
}

function dependantsOf(inv: ChainInventory, name: string): string[] {
  return [...inv.backing].filter(([, b]) => b === name).map(([n]) => n);
}

export interface ChainGcOptions {
  readonly files: VolumeFiles;
  /** Active volume files something has open: never swapped out under their reader. */
  readonly inUse: (volumeFileName: string) => boolean;
  readonly onSkip?: (file: string, reason: unknown) => void;
}

/**
 * Reclaims frozen files no snapshot names any more. One no file backs onto is deleted; one
 * with a single dependant is merged into it (commit the dependant's clusters into the frozen
 * file, then rename the frozen file over the dependant), so chains only stay as long as
 * live snapshots and shared clone bases need. Each step leaves the directory consistent:
 * after the commit the dependant still reads the same through its (now redundant) backing
 * file, so a crash between the two steps only delays the rename to the next run.
 * Frozen files with two or more dependants (a clone base, a snapshot's volumes) stay.
 */
export async function collectFrozenFiles(opts: ChainGcOptions): Promise<{ removed: string[]; merged: string[] }> {
  const { files } = opts;
  const removed: string[] = [];
  const merged: string[] = [];
  const skipped = new Set<string>();
  for (;;) {
    const inv = await scanChains(files);
    const candidates = [...inv.backing.keys()].filter((n) => n.startsWith('frozen-') && !inv.pinned.has(n) && !skipped.has(n));
    const orphan = candidates.find((n) => dependantsOf(inv, n).length === 0);
    if (orphan) {
      await fs.rm(files.at(orphan), { force: true });
      removed.push(orphan);
      continue;
    }
    const mergeable = candidates.find((n) => {
      const deps = dependantsOf(inv, n);
      return deps.length === 1 && !deps[0]!.startsWith('tmp-');
    });
    if (!mergeable) return { removed, merged };
    const child = dependantsOf(inv, mergeable)[0]!;
    if (child.startsWith('volume-') && opts.inUse(child)) {
      skipped.add(mergeable);
      continue;
    }
    try {
      await qemuImg.commit(files.at(child));
      await fs.rename(files.at(mergeable), files.at(child));
      merged.push(mergeable);
    } catch (err) {
      // typically a qemu lock held by a reader of the chain: correct as it is, retried later
      skipped.add(mergeable);
      opts.onSkip?.(mergeable, err);
    }
  }
}
