import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Type } from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineMessage } from './message.ts';
import { checkSchemaPins, pinSchemas } from './schema-pins.ts';
import { expectSchemasPinned } from './testing.ts';

const v1 = defineMessage({
  name: 'resize',
  version: '1.0',
  schema: Type.Object({ flavor_id: Type.String() }),
  reply: Type.Object({ ok: Type.Boolean() }),
});
const pins = pinSchemas([v1]);
const kinds = (msgs: Parameters<typeof checkSchemaPins>[0]) =>
  checkSchemaPins(msgs, pins).map((p) => p.kind);
const resize = (version: string, schema: ReturnType<typeof Type.Object>) =>
  defineMessage({ name: 'resize', version, schema, reply: Type.Object({ ok: Type.Boolean() }) });

describe('checkSchemaPins', () => {
  it('agrees with an unchanged declaration', () => {
    expect(checkSchemaPins([v1], pins)).toEqual([]);
  });

  it('fails a change without a version bump', () => {
    expect(
      kinds([
        resize(
          '1.0',
          Type.Object({ flavor_id: Type.String(), force: Type.Optional(Type.Boolean()) }),
        ),
      ]),
    ).toEqual(['changed_without_bump']);
  });

  it('takes an added optional field as a minor bump', () => {
    expect(
      kinds([
        resize(
          '1.1',
          Type.Object({ flavor_id: Type.String(), force: Type.Optional(Type.Boolean()) }),
        ),
      ]),
    ).toEqual([]);
  });

  it('fails a minor bump that adds a required field, removes or changes one', () => {
    const added = checkSchemaPins(
      [resize('1.1', Type.Object({ flavor_id: Type.String(), force: Type.Boolean() }))],
      pins,
    );
    expect(added.map((p) => p.kind)).toEqual(['not_additive']);
    expect(added[0]!.detail).toContain("'force' is newly required");
    expect(kinds([resize('1.1', Type.Object({}))])).toEqual(['not_additive']);
    expect(kinds([resize('1.1', Type.Object({ flavor_id: Type.Integer() }))])).toEqual([
      'not_additive',
    ]);
  });

  it('takes anything as a major bump', () => {
    expect(kinds([resize('2.0', Type.Object({ flavor_ref: Type.Integer() }))])).toEqual([]);
  });

  it('fails a version going back, a message without a pin and a pin without a message', () => {
    const newer = pinSchemas([resize('1.3', Type.Object({ flavor_id: Type.String() }))]);
    expect(checkSchemaPins([v1], newer).map((p) => p.kind)).toEqual(['version_went_back']);
    const other = defineMessage({ name: 'migrate', version: '1.0', schema: Type.Object({}) });
    expect(
      checkSchemaPins([other], pins)
        .map((p) => p.kind)
        .sort(),
    ).toEqual(['removed', 'unpinned']);
  });
});

describe('expectSchemasPinned', () => {
  let dir = '';
  afterEach(() => {
    vi.unstubAllEnvs();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes pins on request, then holds declarations to them', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bus-pins-'));
    const file = path.join(dir, 'pins.json');
    expect(() => expectSchemasPinned([v1], file)).toThrow(/resize 1.0 has no pin yet/);
    vi.stubEnv('STRATA_UPDATE_BUS_PINS', '1');
    expectSchemasPinned([v1], file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(pins);
    // an update cannot hide a change without a bump
    expect(() => expectSchemasPinned([resize('1.0', Type.Object({}))], file)).toThrow(
      /changed its schema/,
    );
    vi.unstubAllEnvs();
    expectSchemasPinned([v1], file);
    writeFileSync(file, JSON.stringify(pinSchemas([resize('1.0', Type.Object({}))])));
    expect(() => expectSchemasPinned([v1], file)).toThrow(/changed its schema/);
  });
});
