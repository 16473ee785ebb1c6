import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/observability/index.ts';
import { ImageQuotas } from './quotas.ts';
import type { ImageDb } from './store/tables.ts';

describe('image quotas with unified limits off (use_keystone_limits = false)', () => {
  // neither identity nor the database is asked: a call to either fails the test
  const untouchable = new Proxy(
    {},
    {
      get: () => {
        throw new Error('not expected to be used');
      },
    },
  );
  const quotas = new ImageQuotas(
    untouchable as ImageDb,
    () => {
      throw new Error('identity not expected to be asked');
    },
    { enabled: false, logger: silentLogger() },
  );

  it('reports no usage, as Glance answers /v2/info/usage then', async () => {
    expect(await quotas.usage('p1')).toEqual({});
  });

  it('enforces nothing and leaves sizes unlimited', async () => {
    await expect(quotas.enforce('p1', { image_count_total: 1 })).resolves.toBeUndefined();
    expect(await quotas.remainingBytes('p1', 'image_size_total')).toBeUndefined();
  });
});
