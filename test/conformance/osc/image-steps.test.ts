import { describe, expect, it } from 'vitest';
import { compareBytes } from './image-steps.ts';

describe('compareBytes', () => {
  it('is null for equal bytes and says where they first differ otherwise', () => {
    expect(compareBytes(Buffer.from('abcd'), Buffer.from('abcd'))).toBeNull();
    expect(compareBytes(Buffer.from('abcd'), Buffer.from('abXd'))).toBe(
      '4 bytes instead of 4, first difference at byte 2',
    );
    expect(compareBytes(Buffer.from('abcd'), Buffer.from('ab'))).toBe(
      '2 bytes instead of 4, first difference at byte 2',
    );
  });
});
