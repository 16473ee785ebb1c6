import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KeyRepositoryError } from './errors.ts';
import { loadKeys, type RepositoryKeys } from './key-repository.ts';

/** Where a TokenCodec gets its keys: a KeyRing in service, a fixed set in tests. */
export interface KeySource {
  current(): RepositoryKeys;
}

export interface KeyRingOptions {
  /** How often, at most, the directory is checked for changes. Default 1000 ms. */
  checkIntervalMs?: number;
  /** Milliseconds clock; tests inject one. */
  clock?: () => number;
  /**
   * Told when the repository changed but could not be read (mid-update, bad key file).
   * The ring keeps serving the keys it last loaded and tries again at the next check.
   */
  onReloadError?: (err: unknown) => void;
}

/**
 * The keys of a key repository, kept in memory and reloaded when the files change, so a
 * rotation by another process, keystone-manage, or an updated Kubernetes secret takes
 * effect without a restart. The check is a handful of stat calls, made at most once per
 * interval, so it is done synchronously on the request path.
 */
export class KeyRing implements KeySource {
  private readonly checkIntervalMs: number;
  private readonly clock: () => number;
  private readonly onReloadError: (err: unknown) => void;
  private keys: RepositoryKeys;
  private fingerprint: string;
  private lastCheck: number;

  /** Loads the keys now, so a missing or broken repository fails at start-up. */
  constructor(
    readonly dir: string,
    options: KeyRingOptions = {},
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 1000;
    this.clock = options.clock ?? Date.now;
    this.onReloadError = options.onReloadError ?? (() => {});
    this.fingerprint = fingerprintOf(dir);
    this.keys = loadKeys(dir);
    this.lastCheck = this.clock();
  }

  current(): RepositoryKeys {
    const now = this.clock();
    if (now - this.lastCheck >= this.checkIntervalMs) {
      this.lastCheck = now;
      this.refresh();
    }
    return this.keys;
  }

  /** Checks the directory now, whatever the interval. */
  refresh(): void {
    try {
      const fingerprint = fingerprintOf(this.dir);
      if (fingerprint === this.fingerprint) return;
      this.keys = loadKeys(this.dir);
      // Recorded only after a successful load, so a failed reload is retried next time.
      this.fingerprint = fingerprint;
    } catch (err) {
      this.onReloadError(err);
    }
  }
}

/**
 * Changes whenever a key file is added, removed, renamed or rewritten. Inode numbers catch
 * renames (rotation) even where mtimes are coarse; stat follows symbolic links, so the
 * atomic `..data` swap of a Kubernetes secret volume shows up as new inodes.
 */
function fingerprintOf(dir: string): string {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => /^[0-9]+$/.test(name))
      .sort();
  } catch (err) {
    throw new KeyRepositoryError(`cannot read key repository ${dir}`, { cause: err });
  }
  return names
    .map((name) => {
      try {
        const st = statSync(join(dir, name), { bigint: true });
        return `${name}:${st.ino}:${st.size}:${st.mtimeNs}`;
      } catch {
        return `${name}:gone`;
      }
    })
    .join('|');
}
