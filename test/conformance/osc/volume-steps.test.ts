import { describe, expect, it } from 'vitest';
import { isTrue } from './volume-scenario-state.ts';
import { isOsc60RestoreOutputBug } from './volume-steps.ts';

describe('isTrue', () => {
  it("reads Cinder's bootable strings and booleans", () => {
    expect([true, 'true', 'True'].map(isTrue)).toEqual([true, true, true]);
    expect([false, 'false', undefined, null, 'yes'].map(isTrue)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('isOsc60RestoreOutputBug', () => {
  it("excuses exactly OSC 6.0's failure to print a restore, nothing else", () => {
    expect(
      isOsc60RestoreOutputBug('cannot unpack non-iterable VolumeBackupsRestore object\n'),
    ).toBe(true);
    expect(
      isOsc60RestoreOutputBug(
        'Invalid backup: Backup status must be available (HTTP 400) (Request-ID: req-1)\n',
      ),
    ).toBe(false);
    expect(isOsc60RestoreOutputBug('')).toBe(false);
  });
});
