import { describe, expect, it } from 'vitest';
import { isApiError } from '../../../core/errors/index.ts';
import { importStores, parseImportRequest } from './import-request.ts';

const ALL = ['glance-direct', 'web-download', 'copy-image'];

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (err) {
    if (isApiError(err)) return { status: err.status, message: err.message };
    throw err;
  }
  throw new Error('no refusal');
}

describe('import request', () => {
  it('reads the method, uri and store options with Glance defaults', () => {
    const req = parseImportRequest({ method: { name: 'web-download', uri: 'http://h/a' } }, ALL);
    expect(req).toMatchObject({
      method: 'web-download',
      uri: 'http://h/a',
      allStores: false,
      allStoresMustSucceed: true,
      stores: undefined,
    });
  });

  it('refuses bodies Glance refuses, with its messages', () => {
    expect(refusal(() => parseImportRequest({}, ALL))).toEqual({
      status: 400,
      message: "Import request requires a 'method' field.",
    });
    expect(refusal(() => parseImportRequest({ method: {} }, ALL))).toEqual({
      status: 400,
      message: "Import request requires a 'name' field.",
    });
    expect(
      refusal(() => parseImportRequest({ method: { name: 'glance-download' } }, ALL)).message,
    ).toBe("Unknown import method name 'glance-download'.");
    expect(
      refusal(() => parseImportRequest({ method: { name: 'web-download' } }, ['glance-direct']))
        .status,
    ).toBe(400);
    expect(
      refusal(() => parseImportRequest({ method: { name: 'glance-direct' }, all_stores: 1 }, ALL))
        .message,
    ).toBe("'all_stores' must be boolean value only");
    expect(
      refusal(() =>
        parseImportRequest(
          { method: { name: 'glance-direct' }, all_stores_must_succeed: 'no' },
          ALL,
        ),
      ).message,
    ).toBe("'all_stores_must_succeed' must be boolean value only");
    expect(
      refusal(() => parseImportRequest({ method: { name: 'glance-direct' }, stores: 'file' }, ALL))
        .status,
    ).toBe(400);
    expect(
      refusal(() => parseImportRequest({ method: { name: 'glance-direct' }, stores: [] }, ALL))
        .status,
    ).toBe(400);
  });

  it('picks the stores: all, listed, from the header, or the default; unknown ones conflict', () => {
    const enabled = ['file', 'rbd'];
    const req = (body: Record<string, unknown>) =>
      parseImportRequest({ method: { name: 'glance-direct' }, ...body }, ALL);
    expect(importStores(req({ all_stores: true }), undefined, enabled)).toEqual(['file', 'rbd']);
    expect(importStores(req({ stores: ['rbd', 'rbd'] }), undefined, enabled)).toEqual(['rbd']);
    expect(importStores(req({}), 'rbd', enabled)).toEqual(['rbd']);
    expect(importStores(req({}), undefined, enabled)).toEqual(['file']);
    expect(
      refusal(() => importStores(req({ all_stores: true, stores: ['file'] }), undefined, enabled))
        .status,
    ).toBe(400);
    expect(refusal(() => importStores(req({ stores: ['file'] }), 'file', enabled)).status).toBe(
      400,
    );
    expect(refusal(() => importStores(req({ stores: ['swift'] }), undefined, enabled))).toEqual({
      status: 409,
      message: "Unknown scheme 'swift' found in URI",
    });
  });
});
