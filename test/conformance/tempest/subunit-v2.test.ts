import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSubunitV2 } from './subunit-v2.ts';

const fixture = (name: string): Buffer =>
  readFileSync(path.join(import.meta.dirname, 'fixtures', name));

describe('parseSubunitV2 on a real tempest stream', () => {
  // 7 tests and one setUpClass skip, as stestr stored them (logging attachments removed)
  const stream = parseSubunitV2(fixture('tempest-sample.subunit'));

  it('reads every packet, with no stray bytes and no damage', () => {
    expect(stream.packets).toHaveLength(18);
    expect(stream.nonSubunitBytes).toBe(0);
    expect(stream.damagedPackets).toEqual([]);
  });

  it('reads status, tags and timestamps of a final packet', () => {
    const fail = stream.packets.find((p) => p.status === 'fail');
    expect(fail?.testId).toMatch(
      /CredentialsTestJSON\.test_credentials_create_get_update_delete\[id-7cd59bf9/,
    );
    expect(fail?.tags).toEqual(['worker-0']);
    expect(fail?.runnable).toBe(true);
    // 2026-11-25T04:20:30.686884Z, to the microsecond the encoder keeps
    expect(fail?.timestamp).toBeCloseTo(
      Date.UTC(2026, 10, 25, 4, 20, 30, 686) / 1000 + 0.000884,
      6,
    );
  });

  it('reads file attachments with their name, mime type and bytes', () => {
    const traceback = stream.packets.find((p) => p.fileName === 'traceback');
    expect(traceback?.mimeType).toBe('text/x-traceback;charset=utf8,language=python');
    expect(traceback?.eof).toBe(true);
    expect(traceback?.fileBytes?.toString('utf8')).toMatch(/^Traceback \(most recent call last\):/);
    const reason = stream.packets.find((p) => p.fileName === 'reason');
    expect(reason?.testId).toBe(
      'setUpClass (tempest.api.identity.v2.test_api_discovery.TestApiDiscovery)',
    );
    expect(reason?.fileBytes?.toString('utf8')).toBe('Identity api v2 is not enabled');
  });
});

describe('parseSubunitV2 on edge cases written by python-subunit', () => {
  const stream = parseSubunitV2(fixture('edge-cases.subunit'));

  it('skips and counts text before the first packet', () => {
    expect(stream.nonSubunitBytes).toBe('stray stdout\n'.length);
    expect(stream.damagedPackets).toEqual([]);
  });

  it('reads a packet with a 3-byte length and keeps chunk order', () => {
    const chunks = stream.packets.filter(
      (p) => p.fileName === 'traceback' && p.testId === 'pkg.mod.Chunky.test_big',
    );
    expect(chunks.map((c) => c.fileBytes?.length)).toEqual([19000, 998]);
    expect(chunks.every((c) => c.routeCode === '0')).toBe(true);
    expect(Buffer.concat(chunks.map((c) => c.fileBytes as Buffer)).toString()).toMatch(
      /\nValueError: boom\n$/,
    );
  });

  it('maps all status codes and multi-byte UTF-8 ids', () => {
    const statuses = stream.packets.filter((p) => p.status).map((p) => [p.testId, p.status]);
    expect(statuses).toEqual([
      ['pkg.mod.Chunky.test_big', 'inprogress'],
      ['pkg.mod.Chunky.test_big', 'fail'],
      ['pkg.mod.Other.test_xfail[id-11111111-2222-3333-4444-555555555555]', 'xfail'],
      ['pkg.mod.Other.test_ux', 'uxsuccess'],
      ['setUpClass (pkg.mod.Broken)', 'inprogress'],
      ['setUpClass (pkg.mod.Broken)', 'fail'],
      ['pkg.mod.Other.test_unicode_\u00e9', 'success'],
    ]);
  });

  it('reads the sub-second part of timestamps', () => {
    const first = stream.packets[0];
    expect(first?.timestamp).toBeCloseTo(Date.UTC(2026, 0, 2, 3, 4, 5, 250) / 1000, 6);
  });
});

describe('parseSubunitV2 on damaged input', () => {
  const sample = fixture('tempest-sample.subunit');

  it('reports a packet whose checksum fails and still reads the ones after it', () => {
    const damaged = Buffer.from(sample);
    damaged[20] = (damaged[20] as number) ^ 0xff; // inside the first packet's test id
    const stream = parseSubunitV2(damaged);
    expect(stream.damagedPackets).toEqual([0]);
    expect(stream.packets).toHaveLength(17);
  });

  it('does not mistake a 0xB3 byte inside UTF-8 text for a packet', () => {
    const text = Buffer.from('caf\u00f3 ó\n', 'utf8'); // "ó" is C3 B3
    const stream = parseSubunitV2(Buffer.concat([text, sample]));
    expect(stream.packets).toHaveLength(18);
    expect(stream.nonSubunitBytes).toBe(text.length);
    expect(stream.damagedPackets).toEqual([]);
  });

  it('treats a truncated final packet as damage, not as a crash', () => {
    const stream = parseSubunitV2(sample.subarray(0, sample.length - 3));
    expect(stream.packets).toHaveLength(17);
    expect(stream.damagedPackets).toHaveLength(1);
  });
});
