import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/index.ts';
import {
  compareMicroversions,
  formatMicroversion,
  inRange,
  negotiateMicroversion,
  parseMicroversion,
  type MicroversionSpec,
} from './microversion.ts';

const compute: MicroversionSpec = {
  serviceType: 'compute',
  min: '2.1',
  max: '2.96',
  legacyHeader: 'X-OpenStack-Nova-API-Version',
};

function negotiationError(headers: Record<string, string | string[]>): ApiError {
  try {
    negotiateMicroversion(compute, headers);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('negotiation succeeded');
}

describe('parseMicroversion', () => {
  it('reads major.minor and tolerates surrounding spaces', () => {
    expect(parseMicroversion('2.53')).toEqual({ major: 2, minor: 53 });
    expect(parseMicroversion(' 1.0 ')).toEqual({ major: 1, minor: 0 });
  });

  it.each(['2', '2.', '.1', '2.1.1', '02.1', '2.01', 'v2.1', '0.1', 'latest', '', '2,1', '-1.0'])(
    'rejects %j',
    (text) => expect(parseMicroversion(text)).toBeUndefined(),
  );

  it('compares numerically, not as text', () => {
    const v = (s: string) => parseMicroversion(s)!;
    expect(compareMicroversions(v('2.10'), v('2.9'))).toBeGreaterThan(0);
    expect(compareMicroversions(v('1.99'), v('2.0'))).toBeLessThan(0);
    expect(compareMicroversions(v('2.5'), v('2.5'))).toBe(0);
    expect(formatMicroversion(v('2.10'))).toBe('2.10');
  });

  it('checks open and closed ranges', () => {
    const v = parseMicroversion('2.10')!;
    expect(inRange(v)).toBe(true);
    expect(inRange(v, '2.10', '2.10')).toBe(true);
    expect(inRange(v, '2.11')).toBe(false);
    expect(inRange(v, undefined, '2.9')).toBe(false);
    expect(() => inRange(v, 'two')).toThrow(/invalid microversion in declaration/);
  });
});

describe('negotiateMicroversion', () => {
  it('answers the minimum when no version is asked for', () => {
    expect(negotiateMicroversion(compute, {})).toEqual({ major: 2, minor: 1 });
  });

  it('answers the maximum for latest, in any case', () => {
    expect(negotiateMicroversion(compute, { 'openstack-api-version': 'compute latest' })).toEqual({
      major: 2,
      minor: 96,
    });
    expect(negotiateMicroversion(compute, { 'openstack-api-version': 'COMPUTE Latest' })).toEqual({
      major: 2,
      minor: 96,
    });
  });

  it('picks its own service out of a list naming several', () => {
    const headers = { 'openstack-api-version': 'placement 1.30, compute 2.60, volume 3.0' };
    expect(negotiateMicroversion(compute, headers)).toEqual({ major: 2, minor: 60 });
    expect(
      negotiateMicroversion(compute, { 'openstack-api-version': ['placement 1.3', 'compute 2.5'] }),
    ).toEqual({
      major: 2,
      minor: 5,
    });
  });

  it('ignores a header addressed to another service', () => {
    expect(negotiateMicroversion(compute, { 'openstack-api-version': 'placement 1.30' })).toEqual({
      major: 2,
      minor: 1,
    });
  });

  it('reads the legacy header when the standard one is absent', () => {
    expect(negotiateMicroversion(compute, { 'x-openstack-nova-api-version': '2.42' })).toEqual({
      major: 2,
      minor: 42,
    });
    expect(negotiateMicroversion(compute, { 'x-openstack-nova-api-version': 'latest' })).toEqual({
      major: 2,
      minor: 96,
    });
  });

  it('prefers the standard header over the legacy one', () => {
    const headers = {
      'openstack-api-version': 'compute 2.3',
      'x-openstack-nova-api-version': '2.42',
    };
    expect(negotiateMicroversion(compute, headers)).toEqual({ major: 2, minor: 3 });
  });

  it('does not read a legacy header the service does not declare', () => {
    const placement: MicroversionSpec = { serviceType: 'placement', min: '1.0', max: '1.39' };
    expect(negotiateMicroversion(placement, { 'x-openstack-nova-api-version': '1.20' })).toEqual({
      major: 1,
      minor: 0,
    });
  });

  it('answers 406 outside the supported range, naming the bounds', () => {
    for (const asked of ['2.0', '2.97', '3.0', '1.99']) {
      const err = negotiationError({ 'openstack-api-version': `compute ${asked}` });
      expect(err.status).toBe(406);
      expect(err.message).toContain(asked);
      expect(err.message).toContain('2.1');
      expect(err.message).toContain('2.96');
    }
  });

  it('answers 400 for a malformed version, quoting it', () => {
    for (const asked of ['2', 'two.one', '2.1.0', '2.x']) {
      const err = negotiationError({ 'openstack-api-version': `compute ${asked}` });
      expect(err.status).toBe(400);
      expect(err.message).toContain(asked);
    }
    expect(negotiationError({ 'x-openstack-nova-api-version': 'nope' }).status).toBe(400);
  });

  it('accepts the range bounds themselves', () => {
    expect(negotiateMicroversion(compute, { 'openstack-api-version': 'compute 2.1' })).toEqual({
      major: 2,
      minor: 1,
    });
    expect(negotiateMicroversion(compute, { 'openstack-api-version': 'compute 2.96' })).toEqual({
      major: 2,
      minor: 96,
    });
  });
});
