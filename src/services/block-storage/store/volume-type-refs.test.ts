import { beforeAll, expect, it } from 'vitest';
import { migrateToLatest, type Database } from '../../../core/db/index.ts';
import { describeEachDialect } from '../../../core/db/testing.ts';
import { blockStorageMigrations } from './migrations/index.ts';
import type { BlockStorageTables } from './tables.ts';
import { deleteEncryption, getEncryption, insertEncryption, updateEncryption } from './volume-type-encryption.ts';
import { defaultVolumeTypeRef, findVolumeTypeRef, getVolumeTypeRef, isMultiattachType, volumeTypeNames } from './volume-type-refs.ts';
import { insertVolumeType, setProjectDefaultType } from './volume-types.ts';

/** Volume types as volume operations resolve them, and their encryption, on each database. */
describeEachDialect('block storage volume type refs and encryption store', (suite) => {
  let db: Database<BlockStorageTables>;
  let std: string;
  let secret: string;
  let multi: string;

  beforeAll(async () => {
    db = await suite.open<BlockStorageTables>();
    await migrateToLatest(db as unknown as Database, 'block_storage', blockStorageMigrations);
    const now = new Date();
    std = (await insertVolumeType(db.kysely, { name: '__DEFAULT__', description: null, isPublic: true, extraSpecs: { volume_backend_name: 'file' } }, now)).id;
    secret = (await insertVolumeType(db.kysely, { name: 'Secret', description: 'private', isPublic: false, extraSpecs: {}, projects: ['p2'] }, now)).id;
    multi = (await insertVolumeType(db.kysely, { name: 'multi', description: null, isPublic: true, extraSpecs: { multiattach: '<is> True' } }, now)).id;
  });

  it('resolves types by id or name with their extra specs, hiding private types from other projects', async () => {
    const byId = await getVolumeTypeRef(db.kysely, std);
    expect(byId).toMatchObject({ id: std, name: '__DEFAULT__', isPublic: true, qosSpecsId: null, extraSpecs: { volume_backend_name: 'file' } });
    const member = { projectId: 'p1', isAdmin: false };
    expect((await findVolumeTypeRef(db.kysely, '__DEFAULT__', member))?.id).toBe(std);
    expect(await findVolumeTypeRef(db.kysely, 'Secret', member)).toBeUndefined();
    expect(await findVolumeTypeRef(db.kysely, secret, member)).toBeUndefined();
    expect((await findVolumeTypeRef(db.kysely, 'Secret', { projectId: 'p2', isAdmin: false }))?.id).toBe(secret);
    expect((await findVolumeTypeRef(db.kysely, 'Secret', { projectId: 'p1', isAdmin: true }))?.isPublic).toBe(false);
    // Names are case-sensitive, as on Cinder's MySQL with a binary collation.
    expect(await findVolumeTypeRef(db.kysely, 'secret', { projectId: 'p2', isAdmin: false })).toBeUndefined();
    expect(await getVolumeTypeRef(db.kysely, 'no-such-id')).toBeUndefined();
    expect(isMultiattachType((await getVolumeTypeRef(db.kysely, multi))!)).toBe(true);
    expect(isMultiattachType(byId!)).toBe(false);
    expect(await volumeTypeNames(db.kysely, [std, multi, std])).toEqual(new Map([[std, '__DEFAULT__'], [multi, 'multi']]));
    expect(await volumeTypeNames(db.kysely, [])).toEqual(new Map());
  });

  it("gives a project its own default type (3.62), others the configured one", async () => {
    await setProjectDefaultType(db.kysely, 'p3', multi, new Date());
    expect((await defaultVolumeTypeRef(db.kysely, 'p3', '__DEFAULT__'))?.id).toBe(multi);
    expect((await defaultVolumeTypeRef(db.kysely, 'p1', '__DEFAULT__'))?.id).toBe(std);
    expect(await defaultVolumeTypeRef(db.kysely, 'p1', 'missing')).toBeUndefined();
  });

  it('adds one encryption per type, updates and deletes it', async () => {
    const now = new Date(Date.UTC(2024, 0, 1));
    const spec = { provider: 'luks', cipher: 'aes-xts-plain64', keySize: 256, controlLocation: 'front-end' };
    const row = await insertEncryption(db.kysely, secret, spec, now);
    expect(row).toMatchObject({ volume_type_id: secret, provider: 'luks', key_size: 256, control_location: 'front-end' });
    expect(await insertEncryption(db.kysely, secret, spec, now)).toBeUndefined();
    await updateEncryption(db.kysely, secret, { keySize: 512, cipher: null }, new Date(Date.UTC(2024, 0, 2)));
    const updated = await getEncryption(db.kysely, secret);
    expect(updated).toMatchObject({ provider: 'luks', cipher: null, key_size: 512, encryption_id: row!.encryption_id });
    expect(updated?.updated_at).not.toBeNull();
    expect(await getEncryption(db.kysely, std)).toBeUndefined();
    expect(await deleteEncryption(db.kysely, secret)).toBe(true);
    expect(await deleteEncryption(db.kysely, secret)).toBe(false);
    expect(await getEncryption(db.kysely, secret)).toBeUndefined();
  });
});
