import { describe, expect, it } from 'vitest';
import { isApiError } from '../../../core/errors/index.ts';
import { parseCreateBody } from './image-create.ts';

const accept = () => undefined;

describe('parseCreateBody', () => {
  // The image schema has no top-level type, so these passed validation and became images
  // (a string's characters as properties) or a 500 (null).
  it.each([null, 42, 'text', true, [], [{ name: 'x' }]])('refuses a %j body with 400 and Glance\'s schema message', (body) => {
    let thrown: unknown;
    try {
      parseCreateBody(body, accept);
    } catch (err) {
      thrown = err;
    }
    expect(isApiError(thrown) && thrown.status).toBe(400);
    expect((thrown as Error).message).toMatch(/^Provided object does not match schema 'image': .* is not of type 'object'$/);
  });

  it('reads an object body', () => {
    expect(parseCreateBody({ name: 'n', os_distro: 'debian' }, accept)).toMatchObject({ name: 'n', properties: { os_distro: 'debian' } });
  });
});
