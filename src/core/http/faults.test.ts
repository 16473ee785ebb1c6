import { describe, expect, it } from 'vitest';
import { ApiError, notFound } from '../errors/index.ts';
import { toApiError } from './faults.ts';

/** What Fastify throws for client mistakes it detects itself. */
function frameworkError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

describe('toApiError', () => {
  it('passes our own errors through as declared, 5xx ones included', () => {
    const nf = notFound('Could not find user: x.');
    expect(toApiError(nf)).toEqual({ error: nf, internal: false });
    const unavailable = new ApiError(503, 'backend_down', 'The database is unavailable.');
    expect(toApiError(unavailable)).toEqual({ error: unavailable, internal: false });
  });

  it('maps a too-large body to 413', () => {
    const { error, internal } = toApiError(
      frameworkError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'Request body is too large'),
    );
    expect(error.status).toBe(413);
    expect(error.code).toBe('payload_too_large');
    expect(internal).toBe(false);
  });

  it('maps an unsupported media type to 415 keeping the framework message', () => {
    const { error } = toApiError(
      frameworkError(
        415,
        'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        'Unsupported Media Type: application/xml',
      ),
    );
    expect(error.status).toBe(415);
    expect(error.message).toContain('application/xml');
  });

  it('maps an empty or malformed JSON body to 400', () => {
    expect(
      toApiError(frameworkError(400, 'FST_ERR_CTP_EMPTY_JSON_BODY', 'empty')).error.status,
    ).toBe(400);
    const bad = toApiError(
      frameworkError(400, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Unexpected token }'),
    );
    expect(bad.error.status).toBe(400);
    expect(bad.error.message).toBe('Malformed JSON in request body: Unexpected token }');
    const syntax = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      statusCode: 400,
    });
    expect(toApiError(syntax).error.message).toContain('Unexpected end of JSON input');
  });

  it('keeps other client error statuses from the framework', () => {
    const { error, internal } = toApiError(
      frameworkError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', 'bad length'),
    );
    expect(error.status).toBe(400);
    expect(error.message).toBe('bad length');
    expect(internal).toBe(false);
  });

  it('hides everything else behind a generic 500', () => {
    for (const thrown of [
      new Error('SQLITE_CORRUPT: /var/lib/strata/identity.db'),
      new TypeError("Cannot read properties of undefined (reading 'id')"),
      'a string',
      undefined,
      null,
      frameworkError(500, 'FST_ERR_SOMETHING', 'framework broke'),
    ]) {
      const { error, internal } = toApiError(thrown);
      expect(internal).toBe(true);
      expect(error.status).toBe(500);
      expect(error.message).toBe(
        'An unexpected error prevented the server from fulfilling your request.',
      );
    }
  });
});
