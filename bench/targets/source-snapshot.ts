import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SourceSnapshot {
  readonly root: string;
  /** Short commit id the snapshot was taken from. */
  readonly commit: string;
}

/**
 * Extracts the tree of `ref` into `dir` (read-only on the repository: `git archive`, no
 * worktree or checkout), with node_modules linked from the repository. Lets a benchmark
 * measure a committed state while the working tree is being edited.
 */
export function snapshotSource(repoRoot: string, ref: string, dir: string): SourceSnapshot {
  const commit = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', `${ref}^{commit}`], {
    encoding: 'utf8',
  }).trim();
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(
    'sh',
    ['-c', 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', 'sh', repoRoot, commit, dir],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { root: dir, commit };
}
