import { describe, expect, it } from 'vitest';
import { ApiError } from '../../core/errors/index.ts';
import { glanceFault, imageErrors } from './errors.ts';

describe('glanceFault', () => {
  it('frames the message as webob does, with the status line as code', () => {
    expect(glanceFault(imageErrors.imageNotFound('x'))).toEqual({
      message: 'No image found with ID x<br /><br />\n\n\n',
      code: '404 Not Found',
      title: 'Not Found',
    });
  });

  // Node names these by RFC 9110 (Payload Too Large, URI Too Long, Range Not Satisfiable);
  // Glance answers through webob, whose reason phrases are the older ones.
  it.each([
    [413, 'Request Entity Too Large'],
    [414, 'Request-URI Too Long'],
    [416, 'Requested Range Not Satisfiable'],
  ])('uses webob reason phrase for %i', (status, title) => {
    const body = glanceFault(new ApiError(status, 'x', 'too much'));
    expect(body).toMatchObject({ code: `${status} ${title}`, title });
  });
});
