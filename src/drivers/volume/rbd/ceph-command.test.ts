import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RetryableDriverError } from '../../../services/block-storage/drivers.ts';
import { CephCommandError, classifyCephError, runCephCommand, streamCephCommand } from './ceph-command.ts';

describe('classifyCephError', () => {
  it('reads the errno Ceph prints, else the exit status', () => {
    expect(classifyCephError('rbd: error opening image x: (2) No such file or directory', 2)).toBe('not-found');
    expect(classifyCephError('librbd: x\nrbd: create error: (17) File exists', 17)).toBe('exists');
    expect(classifyCephError('rbd: snap is already protected', 16)).toBe('busy');
    expect(classifyCephError('rbd: unprotecting snap failed: (16) Device or resource busy', 16)).toBe('busy');
    expect(classifyCephError('something odd', 1)).toBe('other');
  });
});

// The runner is generic: exercise it with sh, so these need no Ceph.
describe('runCephCommand', () => {
  it('returns stdout, feeds stdin and reports failures with their kind', async () => {
    expect(await runCephCommand('sh', ['-c', 'echo hi'])).toBe('hi\n');
    expect(await runCephCommand('sh', ['-c', 'wc -c'], { stdin: Readable.from([Buffer.alloc(70_000)]) })).toMatch(/^70000/);
    const err = await runCephCommand('sh', ['-c', 'echo "rbd: x: (2) No such file or directory" >&2; exit 2']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CephCommandError);
    expect((err as CephCommandError).kind).toBe('not-found');
  });

  it('turns a timeout into a retryable error', async () => {
    await expect(runCephCommand('sleep', ['5'], { timeoutMs: 100 })).rejects.toBeInstanceOf(RetryableDriverError);
  });

  it('reports a failing input source rather than the broken pipe', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('download broke'));
      },
    });
    await expect(runCephCommand('sh', ['-c', 'cat >/dev/null'], { stdin: source })).rejects.toThrow('download broke');
  });
});

describe('streamCephCommand', () => {
  it('ends only after a clean exit', async () => {
    const chunks: Buffer[] = [];
    for await (const c of streamCephCommand('sh', ['-c', 'printf abc'])) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('abc');
  });

  it('errors when the command fails after writing output, so truncation is never silent', async () => {
    const read = async () => {
      for await (const _ of streamCephCommand('sh', ['-c', 'printf abc; echo "(5) Input/output error" >&2; exit 5'])) void _;
    };
    await expect(read()).rejects.toThrow(/Input\/output error/);
  });
});
