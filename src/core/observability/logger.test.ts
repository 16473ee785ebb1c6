import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'identity',
    destination: { write: (s: string) => void lines.push(s) },
  });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

describe('createLogger', () => {
  it('writes one JSON line per event with service, level name, ISO time and message', () => {
    const { logger, lines, records } = capture();
    logger.info({ request_id: 'req-1' }, 'hello');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const [rec] = records();
    expect(rec).toMatchObject({
      service: 'identity',
      level: 'info',
      message: 'hello',
      request_id: 'req-1',
    });
    expect(new Date(String(rec!.time)).toISOString()).toBe(rec!.time);
  });

  it('drops events below the configured level', () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'x',
      level: 'warn',
      destination: { write: (s: string) => void lines.push(s) },
    });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('censors passwords, secrets and token headers wherever we log them', () => {
    const { logger, lines, records } = capture();
    logger.info(
      { password: 'p1', user: { password: 'p2' }, auth: { identity: { password: 'p3' } } },
      'a',
    );
    logger.info({ secret: 's1', credential: { secret: 's2' }, original_password: 'p4' }, 'b');
    logger.info(
      {
        req: {
          headers: {
            'x-auth-token': 'tok-1',
            'x-subject-token': 'tok-2',
            'x-service-token': 'tok-3',
            authorization: 'Basic abc',
            accept: 'application/json',
          },
        },
      },
      'c',
    );
    const text = lines.join('');
    for (const secret of [
      'p1',
      'p2',
      'p3',
      'p4',
      's1',
      's2',
      'tok-1',
      'tok-2',
      'tok-3',
      'Basic abc',
    ]) {
      expect(text).not.toContain(secret);
    }
    const [a, , c] = records();
    expect(a).toMatchObject({ password: '***', user: { password: '***' } });
    expect(c).toMatchObject({
      req: { headers: { accept: 'application/json', 'x-auth-token': '***' } },
    });
  });

  it('serializes errors with their stack', () => {
    const { logger, records } = capture();
    logger.error({ err: new Error('disk full') }, 'failed');
    const err = records()[0]!.err as { message: string; stack: string; type: string };
    expect(err.message).toBe('disk full');
    expect(err.type).toBe('Error');
    expect(err.stack).toContain('logger.test.ts');
  });
});

describe('silentLogger', () => {
  it('is enabled for nothing', () => {
    const logger = silentLogger();
    expect(logger.isLevelEnabled('fatal')).toBe(false);
  });
});
