import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePackages } from '../../../scripts/ensure-packages.js';
import type { QemuImgInfo } from './volume-files.ts';
import { VolumeFiles, volumeFileCandidates, volumeFileProblems } from './volume-files.ts';

const GIB = 1024 ** 3;
const entry = (over: Partial<QemuImgInfo> = {}): QemuImgInfo => ({
  filename: '/v/volume-a.qcow2',
  format: 'qcow2',
  'virtual-size': GIB,
  'format-specific': { type: 'qcow2', data: { corrupt: false } },
  'dirty-flag': false,
  ...over,
});

describe('volumeFileProblems', () => {
  it('accepts a qcow2 file of the volume size, alone or on a chain', () => {
    expect(volumeFileProblems('/v/volume-a.qcow2', [entry()], 1)).toEqual([]);
    expect(
      volumeFileProblems(
        '/v/volume-a.qcow2',
        [entry(), entry({ filename: '/v/frozen-x.qcow2' })],
        1,
      ),
    ).toEqual([]);
    expect(
      volumeFileProblems('/v/volume-a.raw', [entry({ format: 'raw', 'virtual-size': 2 * GIB })], 2),
    ).toEqual([]);
  });

  it('names a wrong size, a format that is not the name, corruption and a dirty flag', () => {
    expect(volumeFileProblems('/v/volume-a.qcow2', [entry()], 2)).toEqual([
      `virtual size is ${GIB} bytes, the volume has 2 GiB (${2 * GIB})`,
    ]);
    expect(volumeFileProblems('/v/volume-a.raw', [entry()], 1)).toEqual([
      'format is qcow2, the file is named .raw',
    ]);
    const bad = entry({
      filename: '/v/frozen-x.qcow2',
      'format-specific': { data: { corrupt: true } },
      'dirty-flag': true,
    });
    expect(volumeFileProblems('/v/volume-a.qcow2', [entry(), bad], 1)).toEqual([
      '/v/frozen-x.qcow2 is marked corrupt',
      '/v/frozen-x.qcow2 has its dirty flag set',
    ]);
    expect(volumeFileProblems('/v/volume-a.qcow2', [entry({ format: 'vmdk' })], 1)).toEqual([
      'format is vmdk, the file is named .qcow2',
      '/v/volume-a.qcow2 is vmdk',
    ]);
    expect(volumeFileProblems('/v/volume-a.qcow2', [], 1)).toEqual([
      'qemu-img info printed nothing for /v/volume-a.qcow2',
    ]);
  });

  it('looks for volume-<id>.qcow2 and .raw', () => {
    expect(volumeFileCandidates('/v', 'abc')).toEqual(['/v/volume-abc.qcow2', '/v/volume-abc.raw']);
  });
});

// The real qemu-img on real files, as the scenario runs it.
describe('VolumeFiles with qemu-img', () => {
  let dir: string;
  const qemuImg = (...args: string[]): void => {
    execFileSync('qemu-img', args, { stdio: 'ignore' });
  };

  beforeAll(() => {
    ensurePackages(['qemu-utils']);
    dir = mkdtempSync(path.join(tmpdir(), 'volume-files-'));
    qemuImg('create', '-f', 'qcow2', path.join(dir, 'frozen-base.qcow2'), '1G');
    qemuImg(
      'create',
      '-f',
      'qcow2',
      '-b',
      'frozen-base.qcow2',
      '-F',
      'qcow2',
      path.join(dir, 'volume-a.qcow2'),
    );
    qemuImg('create', '-f', 'raw', path.join(dir, 'volume-b.raw'), '2G');
    writeFileSync(path.join(dir, 'image.raw'), Buffer.from('hello, volume'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks a volume file with its backing chain, and a raw one', async () => {
    const files = new VolumeFiles(dir);
    expect(await files.check('a', 1)).toEqual({
      file: path.join(dir, 'volume-a.qcow2'),
      format: 'qcow2',
      chainLength: 2,
    });
    expect((await files.check('b', 2)).format).toBe('raw');
  });

  it('fails on a missing file, a wrong size and a broken chain', async () => {
    const files = new VolumeFiles(dir);
    await expect(files.check('nope', 1)).rejects.toThrow(/no file volume-nope\.qcow2 or \.raw/);
    await expect(files.check('b', 1)).rejects.toThrow(/virtual size is 2147483648 bytes/);
    qemuImg(
      'create',
      '-f',
      'qcow2',
      '-u', // the backing file does not exist: what a lost frozen file looks like
      '-b',
      'frozen-gone.qcow2',
      '-F',
      'qcow2',
      path.join(dir, 'volume-c.qcow2'),
      '1G',
    );
    await expect(files.check('c', 1)).rejects.toThrow(/qemu-img info .* failed/);
  });

  it('compares contents: zeros past the shorter file are the same, other bytes are not', async () => {
    const files = new VolumeFiles(dir);
    const image = { file: path.join(dir, 'image.raw'), format: 'raw' };
    await expect(
      files.sameContent('b', { file: path.join(dir, 'volume-a.qcow2'), format: 'qcow2' }),
    ).resolves.toBeUndefined();
    await expect(files.sameContent('a', image)).rejects.toThrow(/differs from/);
    qemuImg('convert', '-f', 'raw', '-O', 'qcow2', image.file, path.join(dir, 'volume-d.qcow2'));
    qemuImg('resize', '-f', 'qcow2', path.join(dir, 'volume-d.qcow2'), '1G');
    await expect(files.sameContent('d', image)).resolves.toBeUndefined();
  });

  it('lists the files named for an id, links included', () => {
    const files = new VolumeFiles(dir);
    symlinkSync('frozen-base.qcow2', path.join(dir, 'snapshot-s1.qcow2'));
    expect(files.filesOf('s1')).toEqual(['snapshot-s1.qcow2']);
    expect(files.filesOf('a')).toEqual(['volume-a.qcow2']);
    expect(new VolumeFiles(path.join(dir, 'absent')).filesOf('a')).toEqual([]);
  });
});
