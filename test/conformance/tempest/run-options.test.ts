import { describe, expect, it } from 'vitest';
import { parseRunOptions, UsageError } from './run-options.ts';

describe('parseRunOptions', () => {
  it('defaults to the identity suite, compared with the shipped list, under test-output/', () => {
    expect(parseRunOptions([], '/repo')).toEqual({
      area: 'identity',
      regex: '^tempest\\.api\\.identity',
      workspace: '/repo/test-output/tempest/identity',
      concurrency: 2,
      expectedList: '/repo/test/conformance/tempest/expected/identity.txt',
      interopList: '/repo/test/conformance/tempest/expected/interop-2022.11-platform.txt',
      overrides: [],
      timeoutMinutes: 60,
      imageImport: 'auto',
      volumeBackup: 'auto',
      imageRef: null,
      httpImage: null,
      buildTimeoutSeconds: 120,
      verbose: false,
      help: false,
    });
  });

  it("takes an area's regex, workspace and list, each still overridable", () => {
    const volume = parseRunOptions(['--area', 'volume'], '/repo');
    expect(volume.regex).toBe('^tempest\\.api\\.volume\\.');
    expect(volume.workspace).toBe('/repo/test-output/tempest/volume');
    expect(volume.expectedList).toBe('/repo/test/conformance/tempest/expected/volume.txt');
    const narrowed = parseRunOptions(
      ['--area', 'image', '--regex', 'test_images_tags', '--workspace', '/tmp/ws', '--no-interop'],
      '/repo',
    );
    expect(narrowed).toMatchObject({
      area: 'image',
      regex: 'test_images_tags',
      workspace: '/tmp/ws',
      expectedList: '/repo/test/conformance/tempest/expected/image.txt',
      interopList: null,
    });
  });

  it('takes the image and volume feature flags', () => {
    const options = parseRunOptions(
      [
        '--image-import',
        'off',
        '--volume-backup',
        'on',
        '--image-ref',
        'abc',
        '--build-timeout',
        '300',
        '--http-image',
        'http://127.0.0.1:4000/a.img',
      ],
      '/repo',
    );
    expect(options).toMatchObject({
      imageImport: 'off',
      volumeBackup: 'on',
      imageRef: 'abc',
      buildTimeoutSeconds: 300,
      httpImage: 'http://127.0.0.1:4000/a.img',
    });
    expect(() => parseRunOptions(['--http-image', 'file:///etc/passwd'], '/repo')).toThrow(
      /http\(s\) URL/,
    );
    expect(() => parseRunOptions(['--http-image', 'nope'], '/repo')).toThrow(/must be a URL/);
    expect(() => parseRunOptions(['--image-import', 'yes'], '/repo')).toThrow(/auto, on or off/);
    expect(() => parseRunOptions(['--area', 'compute'], '/repo')).toThrow(/--area must be one of/);
  });

  it('takes a regex without comparison, overrides and a serial run', () => {
    const options = parseRunOptions(
      [
        '--regex',
        'tokens',
        '--no-compare',
        '--concurrency',
        '1',
        '--set',
        'identity.region=R2',
        '--set',
        'auth.x=y',
      ],
      '/repo',
    );
    expect(options.regex).toBe('tokens');
    expect(options.expectedList).toBeNull();
    expect(options.concurrency).toBe(1);
    expect(options.overrides).toEqual([
      { section: 'identity', key: 'region', value: 'R2' },
      { section: 'auth', key: 'x', value: 'y' },
    ]);
  });

  it('rejects unknown options, bad numbers and malformed overrides as usage errors', () => {
    expect(() => parseRunOptions(['--regx', 'a'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['--concurrency', '0'], '/repo')).toThrow(/positive integer/);
    expect(() => parseRunOptions(['--timeout-minutes', 'soon'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['--set', 'noequals'], '/repo')).toThrow(UsageError);
    expect(() => parseRunOptions(['extra'], '/repo')).toThrow(UsageError);
  });
});
