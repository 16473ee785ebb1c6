// A directory of numbered Fernet key files laid out as Keystone's fernet-keys repository:
// `0` is the staged key (the next primary, already trusted for validation so every replica
// knows it before it signs anything), the highest number is the primary (signs new tokens),
// and the numbers in between are secondaries (still validate tokens they signed).
// Same layout and rotation algorithm, so `keystone-manage fernet_setup/fernet_rotate` and
// strata can share one repository in either direction.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { KeyRepositoryError } from './errors.ts';
import { generateFernetKey, parseFernetKey, type FernetKey } from './fernet.ts';

export const STAGED_KEY_INDEX = 0;
/** Keystone's default for [fernet_tokens] max_active_keys. */
export const DEFAULT_MAX_ACTIVE_KEYS = 3;

export interface RepositoryKeys {
  /** The key that signs new tokens. Same object as all[0]. */
  primary: FernetKey;
  /** Every key that validates tokens: primary, secondaries newest first, staged last. */
  all: FernetKey[];
  /** The file number of each key in `all`, same order. */
  indexes: number[];
}

export interface RotationResult {
  /** File number of the new primary (the former staged key). */
  primary: number;
  /** File numbers deleted because they exceeded maxActiveKeys. */
  purged: number[];
}

/**
 * Creates the directory (mode 0700) and the keys `0` (staged) and `1` (primary), as
 * `keystone-manage fernet_setup` does. A repository that already has a staged key is left
 * untouched, so this is safe to run at every start.
 * @returns whether keys were created.
 */
export function setupKeyRepository(dir: string): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(join(dir, String(STAGED_KEY_INDEX)))) return false;
  writeKeyFile(dir, String(STAGED_KEY_INDEX));
  // Keystone initialises by rotating once: the first staged key becomes primary 1.
  rotateKeys(dir, Number.MAX_SAFE_INTEGER);
  return true;
}

/**
 * Keystone's rotation: the staged key becomes the new primary (highest number + 1), a new
 * staged key is written, and the oldest secondaries are deleted until at most
 * `maxActiveKeys` keys remain, staged key included.
 *
 * `maxActiveKeys` must be at least 2: with 1, Keystone's algorithm would delete the primary
 * it has just promoted and leave only the staged key. Tokens outlive a key by at most
 * (maxActiveKeys - 2) rotations, so it must cover token lifetime / rotation interval.
 *
 * Not safe against a second rotation running at the same time; run rotations from one place.
 */
export function rotateKeys(
  dir: string,
  maxActiveKeys: number = DEFAULT_MAX_ACTIVE_KEYS,
): RotationResult {
  if (!Number.isInteger(maxActiveKeys) || maxActiveKeys < 2) {
    throw new RangeError('maxActiveKeys must be an integer of at least 2');
  }
  const indexes = listKeyIndexes(dir);
  if (!indexes.includes(STAGED_KEY_INDEX)) {
    throw new KeyRepositoryError(`key repository ${dir} has no staged key 0: set it up first`);
  }

  // Write the next staged key before touching the current one, so a crash leaves at worst a
  // stray temporary file, never a repository without a staged key and a primary.
  const tmpName = `${STAGED_KEY_INDEX}.tmp`;
  writeKeyFile(dir, tmpName);
  const primary = Math.max(...indexes) + 1;
  renameSync(join(dir, String(STAGED_KEY_INDEX)), join(dir, String(primary)));
  renameSync(join(dir, tmpName), join(dir, String(STAGED_KEY_INDEX)));

  const active = [...indexes.filter((i) => i !== STAGED_KEY_INDEX), primary].sort((a, b) => b - a);
  const purged = active.slice(maxActiveKeys - 1).sort((a, b) => a - b);
  for (const index of purged) rmSync(join(dir, String(index)));
  return { primary, purged };
}

/**
 * Reads every key of the repository. Empty key files are skipped, as Keystone does
 * (a half-written file must not take validation down).
 */
export function loadKeys(dir: string): RepositoryKeys {
  const found: { index: number; key: FernetKey }[] = [];
  let indexes: number[];
  try {
    indexes = listKeyIndexes(dir);
  } catch (err) {
    throw new KeyRepositoryError(`cannot read key repository ${dir}`, { cause: err });
  }
  for (const index of indexes) {
    const path = join(dir, String(index));
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new KeyRepositoryError(`cannot read key file ${path}`, { cause: err });
    }
    if (text.trim() === '') continue;
    try {
      found.push({ index, key: parseFernetKey(text) });
    } catch (err) {
      throw new KeyRepositoryError(`key file ${path} does not hold a Fernet key`, { cause: err });
    }
  }
  const sorted = found.sort((a, b) => b.index - a.index);
  const first = sorted[0];
  if (first === undefined) throw new KeyRepositoryError(`key repository ${dir} holds no keys`);
  return { primary: first.key, all: sorted.map((k) => k.key), indexes: sorted.map((k) => k.index) };
}

const KEY_FILE_NAME = /^(0|[1-9][0-9]*)$/;

/**
 * Numbers of the key files in `dir`, ascending. Symbolic links are followed: a Kubernetes
 * secret volume presents each key as a link into a hidden timestamped directory.
 */
export function listKeyIndexes(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => KEY_FILE_NAME.test(name) && isFile(join(dir, name)))
    .map(Number)
    .filter(Number.isSafeInteger)
    .sort((a, b) => a - b);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    // A dangling link or a file removed since readdir: not a key.
    return false;
  }
}

function writeKeyFile(dir: string, name: string): void {
  const path = join(dir, name);
  writeFileSync(path, generateFernetKey(), { mode: 0o600 });
  // `mode` applies only when the file is created and is filtered by the umask.
  chmodSync(path, 0o600);
}
