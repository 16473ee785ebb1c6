import { Readable } from 'node:stream';
import { CephCommandError, runCephCommand, streamCephCommand } from './ceph-command.ts';
import { rawToRbdDiff, rbdDiffToRaw } from './rbd-diff.ts';

/** pool/image, or pool/image@snap when snap is set. */
export interface RbdSpec {
  readonly pool: string;
  readonly image: string;
  readonly snap?: string | undefined;
}

export function specString(s: RbdSpec): string {
  return `${s.pool}/${s.image}${s.snap ? `@${s.snap}` : ''}`;
}

export interface RbdImageInfo {
  readonly name: string;
  readonly size: number;
  readonly parent?: RbdSpec | undefined;
}

export interface RbdSnapInfo {
  readonly name: string;
  readonly protected: boolean;
}

export interface CephMonitor {
  readonly host: string;
  readonly port: number;
}

export interface CephPoolUsage {
  /** Bytes stored in the pool (after replication: what the pool consumes). */
  readonly usedBytes: number;
  /** Bytes the pool can still take, as Ceph estimates it. */
  readonly maxAvailBytes: number;
}

export interface RbdClientOptions {
  /** ceph.conf path. */
  readonly conf: string;
  /** Ceph client id (`client.<id>`), when the cluster uses cephx. */
  readonly user?: string;
  readonly keyring?: string;
  /** Kill a metadata command after this long (default 120 s); data streams have no limit. */
  readonly timeoutMs?: number;
}

/**
 * Suffix of an image or snapshot that was deleted while clones still depended on it. It
 * stays (renamed) until its last clone is deleted or flattened, which removes it — Cinder's
 * way of deleting a volume that has copy-on-write children without copying anything.
 */
export const DELETED_SUFFIX = '.deleted';
/** Suffix of the snapshot taken on a source volume to clone it (Cinder's `.clone_snap`). */
export const CLONE_SNAP_SUFFIX = '.clone_snap';

/**
 * Typed access to RBD images through the `rbd`/`ceph` CLIs. Every mutating call is
 * idempotent (creating what exists or removing what is gone succeeds), because the tasks
 * that call drivers may run a step again after a crash.
 */
export class RbdClient {
  private readonly timeoutMs: number;

  constructor(readonly opts: RbdClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 120_000;
  }

  private globalArgs(): string[] {
    const args = ['--conf', this.opts.conf];
    if (this.opts.user) args.push('--id', this.opts.user);
    if (this.opts.keyring) args.push('--keyring', this.opts.keyring);
    return args;
  }

  rbd(args: readonly string[], stdin?: AsyncIterable<Buffer>): Promise<string> {
    return runCephCommand('rbd', [...this.globalArgs(), ...args], {
      timeoutMs: stdin ? undefined : this.timeoutMs,
      ...(stdin ? { stdin } : {}),
    });
  }

  async ceph<T>(args: readonly string[]): Promise<T> {
    const out = await runCephCommand('ceph', [...this.globalArgs(), ...args, '--format', 'json'], {
      timeoutMs: this.timeoutMs,
    });
    // commands that change state (osd pool create) print nothing, even asked for JSON
    return (out.trim() ? JSON.parse(out) : undefined) as T;
  }

  private async rbdJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.rbd([...args, '--format', 'json'])) as T;
  }

  /** Runs `op`, treating the listed failure kinds as success (the idempotent cases). */
  private async tolerate(kinds: readonly string[], op: () => Promise<unknown>): Promise<boolean> {
    try {
      await op();
      return true;
    } catch (err) {
      if (err instanceof CephCommandError && kinds.includes(err.kind)) return false;
      throw err;
    }
  }

  // ---- cluster -----------------------------------------------------------------------

  async fsid(): Promise<string> {
    return (await this.ceph<{ fsid: string }>(['fsid'])).fsid;
  }

  /** Monitors' msgr v1 addresses, which every librbd client (QEMU included) can use. */
  async monitors(): Promise<CephMonitor[]> {
    type Addr = { type: string; addr: string };
    const dump = await this.ceph<{ mons: { addr?: string; public_addrs?: { addrvec?: Addr[] } }[] }>(['mon', 'dump']);
    return dump.mons.flatMap((m) => {
      const addr = m.public_addrs?.addrvec?.find((a) => a.type === 'v1')?.addr ?? m.addr?.replace(/\/\d+$/, '');
      const at = addr?.lastIndexOf(':') ?? -1;
      if (!addr || at < 0) return [];
      return [{ host: addr.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(addr.slice(at + 1)) }];
    });
  }

  async poolUsage(pool: string): Promise<CephPoolUsage | undefined> {
    type Df = { pools: { name: string; stats: { bytes_used?: number; stored?: number; max_avail: number } }[] };
    const df = await this.ceph<Df>(['df']);
    const p = df.pools.find((x) => x.name === pool);
    if (!p) return undefined;
    return { usedBytes: p.stats.bytes_used ?? p.stats.stored ?? 0, maxAvailBytes: p.stats.max_avail };
  }

  async poolExists(pool: string): Promise<boolean> {
    return (await this.ceph<string[]>(['osd', 'pool', 'ls'])).includes(pool);
  }

  /** Creates a pool for RBD if missing (the autoscaler picks its PG count). */
  async ensurePool(pool: string): Promise<void> {
    if (await this.poolExists(pool)) return;
    await this.ceph(['osd', 'pool', 'create', pool]);
    await this.ceph(['osd', 'pool', 'application', 'enable', pool, 'rbd']);
  }

  // ---- images ------------------------------------------------------------------------

  /** The image (or snapshot) and its parent; undefined when it does not exist. */
  async info(spec: RbdSpec): Promise<RbdImageInfo | undefined> {
    type Info = { name: string; size: number; parent?: { pool: string; image: string; snapshot: string } };
    try {
      const i = await this.rbdJson<Info>(['info', specString(spec)]);
      const parent = i.parent ? { pool: i.parent.pool, image: i.parent.image, snap: i.parent.snapshot } : undefined;
      return { name: i.name, size: i.size, parent };
    } catch (err) {
      if (err instanceof CephCommandError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  /** Images of a pool with their provisioned sizes. */
  async list(pool: string): Promise<{ image: string; size: number }[]> {
    const rows = await this.rbdJson<{ image: string; size: number; snapshot?: string }[]>(['ls', '-l', pool]);
    return rows.filter((r) => !r.snapshot).map((r) => ({ image: r.image, size: r.size }));
  }

  async create(spec: RbdSpec, sizeBytes: number): Promise<void> {
    await this.tolerate(['exists'], () => this.rbd(['create', specString(spec), '--size', `${sizeBytes}B`]));
  }

  /** Grows the image to at least sizeBytes; never shrinks. */
  async growTo(spec: RbdSpec, sizeBytes: number): Promise<void> {
    const info = await this.mustInfo(spec);
    if (info.size >= sizeBytes) return;
    await this.rbd(['resize', specString(spec), '--size', `${sizeBytes}B`]);
  }

  async rename(from: RbdSpec, toImage: string): Promise<void> {
    await this.rbd(['rename', specString(from), specString({ pool: from.pool, image: toImage })]);
  }

  async mustInfo(spec: RbdSpec): Promise<RbdImageInfo> {
    const info = await this.info(spec);
    if (!info) throw new CephCommandError(`RBD image ${specString(spec)} does not exist`, 'not-found', '');
    return info;
  }

  /** Copy-on-write clone of a (protected) snapshot. */
  async clone(parent: RbdSpec, child: RbdSpec): Promise<void> {
    await this.tolerate(['exists'], () => this.rbd(['clone', specString(parent), specString(child)]));
  }

  /** Copies the parent's data into the image and cuts the link; tidies the old parent. */
  async flatten(spec: RbdSpec): Promise<void> {
    const info = await this.mustInfo(spec);
    if (!info.parent) return;
    await this.rbd(['flatten', '--no-progress', specString(spec)]);
    await this.releaseParent(info.parent);
  }

  /** Number of clone generations above the image (0: no parent). */
  async cloneDepth(spec: RbdSpec): Promise<number> {
    let depth = 0;
    let at = (await this.info(spec))?.parent;
    while (at) {
      depth++;
      at = (await this.info({ pool: at.pool, image: at.image }))?.parent;
    }
    return depth;
  }

  /**
   * The image's (or snapshot's) content as a raw stream of its full size. Read as a diff
   * of the allocated extents, so unallocated space costs no I/O.
   */
  exportRaw(spec: RbdSpec): Readable {
    const diff = streamCephCommand('rbd', [...this.globalArgs(), 'export-diff', '--no-progress', specString(spec), '-']);
    const raw = Readable.from(rbdDiffToRaw(diff), { objectMode: false });
    raw.once('close', () => diff.destroy());
    return raw;
  }

  /** A new image holding `data` (raw), created by `rbd import` (sparse). */
  async importRaw(spec: RbdSpec, data: AsyncIterable<Buffer>): Promise<void> {
    await this.rbd(['import', '--no-progress', '-', specString(spec)], data);
  }

  /**
   * Writes raw `data` over an existing image from offset 0, in place (snapshots and clones
   * stay valid). With zeroTail, everything after the data reads as zeros afterwards.
   */
  async writeRaw(spec: RbdSpec, data: AsyncIterable<Buffer>, zeroTail: boolean): Promise<void> {
    const info = await this.mustInfo(spec);
    const diff = rawToRbdDiff(data, { imageSize: info.size, zeroTail });
    await this.rbd(['import-diff', '--no-progress', '-', specString(spec)], diff);
  }

  // ---- snapshots ---------------------------------------------------------------------

  async snapshots(spec: RbdSpec): Promise<RbdSnapInfo[]> {
    const image = specString({ pool: spec.pool, image: spec.image });
    const rows = await this.rbdJson<{ name: string; protected?: string }[]>(['snap', 'ls', image]);
    return rows.map((r) => ({ name: r.name, protected: r.protected === 'true' }));
  }

  /** Creates and protects a snapshot (protected: clones may be made of it). */
  async snapshot(spec: RbdSpec & { snap: string }): Promise<void> {
    await this.tolerate(['exists'], () => this.rbd(['snap', 'create', '--no-progress', specString(spec)]));
    // EBUSY here means it is protected already
    await this.tolerate(['busy'], () => this.rbd(['snap', 'protect', specString(spec)]));
  }

  async children(snap: RbdSpec & { snap: string }): Promise<RbdSpec[]> {
    try {
      const rows = await this.rbdJson<{ pool: string; image: string }[]>(['children', specString(snap)]);
      return rows.map((r) => ({ pool: r.pool, image: r.image }));
    } catch (err) {
      if (err instanceof CephCommandError && err.kind === 'not-found') return [];
      throw err;
    }
  }

  /**
   * Removes a snapshot; one that clones still depend on is renamed `<snap>.deleted` instead
   * and goes with its last clone.
   */
  async removeSnapshot(spec: RbdSpec & { snap: string }): Promise<void> {
    const snap = (await this.snapshotsOrNone(spec))?.find((s) => s.name === spec.snap);
    if (!snap) return;
    if (await this.dropSnapshot(spec, snap.protected)) return;
    await this.removeIfDeletedAndBare({ pool: spec.pool, image: spec.image });
  }

  /** A deleted image kept only for its snapshots goes with the last of them. */
  private async removeIfDeletedAndBare(image: RbdSpec): Promise<void> {
    if (!image.image.endsWith(DELETED_SUFFIX)) return;
    const left = await this.snapshotsOrNone(image);
    if (left && left.length === 0) await this.removeImage(image);
  }

  /** Removes or (when cloned) renames an existing snapshot; true when clones pin it. */
  private async dropSnapshot(spec: RbdSpec & { snap: string }, isProtected: boolean): Promise<boolean> {
    if ((await this.children(spec)).length > 0) {
      if (!spec.snap.endsWith(DELETED_SUFFIX)) {
        await this.tolerate(['exists'], () =>
          this.rbd(['snap', 'rename', specString(spec), specString({ ...spec, snap: spec.snap + DELETED_SUFFIX })]),
        );
      }
      return true;
    }
    if (isProtected) await this.tolerate(['invalid'], () => this.rbd(['snap', 'unprotect', specString(spec)]));
    await this.tolerate(['not-found'], () => this.rbd(['snap', 'rm', '--no-progress', specString(spec)]));
    return false;
  }

  private async snapshotsOrNone(spec: RbdSpec): Promise<RbdSnapInfo[] | undefined> {
    try {
      return await this.snapshots({ pool: spec.pool, image: spec.image });
    } catch (err) {
      if (err instanceof CephCommandError && err.kind === 'not-found') return undefined;
      throw err;
    }
  }

  /**
   * Removes an image with its snapshots. Snapshots that `keepSnapshot` names (ones their
   * owner still has, such as a volume's snapshot records) stay, and so do snapshots clones
   * depend on: then the image is renamed `<image>.deleted` and goes with the last of them.
   * Then the parent it was cloned from is released (see releaseParent).
   */
  async removeImage(spec: RbdSpec, opts: { keepSnapshot?: (name: string) => boolean } = {}): Promise<void> {
    const info = await this.info(spec);
    if (!info) return;
    const snaps = (await this.snapshotsOrNone(spec)) ?? [];
    let pinned = false;
    for (const s of snaps) {
      if (opts.keepSnapshot?.(s.name) || (await this.dropSnapshot({ ...spec, snap: s.name }, s.protected))) pinned = true;
    }
    if (pinned) {
      if (!spec.image.endsWith(DELETED_SUFFIX)) await this.rename(spec, spec.image + DELETED_SUFFIX);
      return;
    }
    const removed = await this.tolerate(['not-found'], () => this.rbd(['rm', '--no-progress', specString(spec)]));
    if (removed && info.parent) await this.releaseParent(info.parent);
  }

  /**
   * Called when a clone of `parent` went away (deleted or flattened): a parent snapshot that
   * existed only for clones (`.clone_snap`) or was deleted while cloned (`.deleted`) goes
   * once it has no clones left, and so does a deleted parent image without snapshots.
   */
  async releaseParent(parent: RbdSpec): Promise<void> {
    if (!parent.snap) return;
    const snap = { ...parent, snap: parent.snap };
    const imageDeleted = parent.image.endsWith(DELETED_SUFFIX);
    const snapDisposable = snap.snap.endsWith(DELETED_SUFFIX) || snap.snap.endsWith(CLONE_SNAP_SUFFIX);
    if ((snapDisposable || imageDeleted) && (await this.children(snap)).length === 0) {
      await this.removeSnapshot(snap);
    }
    if (imageDeleted) await this.removeIfDeletedAndBare({ pool: parent.pool, image: parent.image });
  }
}
