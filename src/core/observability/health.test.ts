import { describe, expect, it } from 'vitest';
import { HealthRegistry } from './health.ts';

describe('HealthRegistry', () => {
  it('is ok with no probes and when every probe passes', async () => {
    const h = new HealthRegistry();
    expect(await h.check()).toEqual({ status: 'ok', checks: {} });
    h.register('database', async () => {});
    h.register('bus', async () => {});
    expect(await h.check()).toEqual({
      status: 'ok',
      checks: { database: { ok: true }, bus: { ok: true } },
    });
  });

  it('names a failing probe with its error and keeps the others', async () => {
    const h = new HealthRegistry();
    h.register('database', async () => {
      throw new Error('connection refused');
    });
    h.register('bus', async () => {});
    expect(await h.check()).toEqual({
      status: 'failing',
      checks: { database: { ok: false, error: 'connection refused' }, bus: { ok: true } },
    });
  });

  it('fails a probe that does not answer in time', async () => {
    const h = new HealthRegistry();
    h.register('stuck', () => new Promise(() => {}));
    const started = Date.now();
    const report = await h.check(30);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(report).toEqual({
      status: 'failing',
      checks: { stuck: { ok: false, error: 'timed out after 30 ms' } },
    });
  });

  it('replaces a probe registered twice under one name', async () => {
    const h = new HealthRegistry();
    h.register('db', async () => {
      throw new Error('old');
    });
    h.register('db', async () => {});
    expect((await h.check()).status).toBe('ok');
  });
});
