import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { BusError } from './errors.ts';
import { accepts, checkPayload, defineMessage, parseVersion } from './message.ts';

const Boot = defineMessage({
  name: 'build_and_run_instance',
  version: '1.2',
  schema: Type.Object({
    instance: Type.Object({
      uuid: Type.String({ format: 'uuid' }),
      vcpus: Type.Integer({ minimum: 1 }),
    }),
    host: Type.String(),
  }),
});

describe('defineMessage', () => {
  it('reads MAJOR.MINOR', () => {
    expect([Boot.major, Boot.minor]).toEqual([1, 2]);
    expect(parseVersion('10.0')).toEqual({ major: 10, minor: 0 });
  });

  it.each(['1', '1.2.3', 'v1.0', '01.1', '1.x', ''])('refuses the version %j', (version) => {
    expect(() => defineMessage({ name: 'x', version, schema: Type.Object({}) })).toThrow(
      /MAJOR.MINOR/,
    );
  });

  it.each(['', 'Bad name', 'compute.*', '.x', 'x..y'])('refuses the name %j', (name) => {
    expect(() => defineMessage({ name, version: '1.0', schema: Type.Object({}) })).toThrow(
      /invalid message name/,
    );
  });

  it('takes dotted event types', () => {
    expect(
      defineMessage({
        name: 'compute.instance.create.end',
        version: '1.0',
        schema: Type.Object({}),
      }).name,
    ).toBe('compute.instance.create.end');
  });
});

describe('accepts', () => {
  it('takes the same major with an equal or older minor only', () => {
    const receiver = parseVersion('1.4');
    expect(accepts(receiver, parseVersion('1.0'))).toBe(true);
    expect(accepts(receiver, parseVersion('1.4'))).toBe(true);
    expect(accepts(receiver, parseVersion('1.5'))).toBe(false);
    expect(accepts(receiver, parseVersion('2.0'))).toBe(false);
    expect(accepts(receiver, parseVersion('0.9'))).toBe(false);
  });
});

describe('checkPayload', () => {
  it('names the nested field at fault', () => {
    const err = (() => {
      try {
        checkPayload(
          Boot,
          { instance: { uuid: '6f1c9a8e-2b7d-4c1e-9f0a-3d5b7c9e1a2b', vcpus: 0 }, host: 'a' },
          'payload',
        );
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(BusError);
    expect((err as BusError).code).toBe('bus.invalid_payload');
    expect((err as BusError).message).toContain("'instance.vcpus'");
    expect((err as BusError).message).toContain('build_and_run_instance 1.2');
  });

  it('names a missing field', () => {
    expect(() =>
      checkPayload(
        Boot,
        { instance: { uuid: '6f1c9a8e-2b7d-4c1e-9f0a-3d5b7c9e1a2b', vcpus: 1 } },
        'payload',
      ),
    ).toThrow(/'host'/);
  });

  it('checks formats', () => {
    expect(() =>
      checkPayload(Boot, { instance: { uuid: 'nope', vcpus: 1 }, host: 'a' }, 'payload'),
    ).toThrow(/'instance.uuid'/);
  });

  it('passes a good payload', () => {
    expect(() =>
      checkPayload(
        Boot,
        { instance: { uuid: '6f1c9a8e-2b7d-4c1e-9f0a-3d5b7c9e1a2b', vcpus: 2 }, host: 'a' },
        'payload',
      ),
    ).not.toThrow();
  });
});
