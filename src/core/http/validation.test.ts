import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { ApiError } from '../errors/index.ts';
import { compileValidator } from './validation.ts';

const userBody = Type.Object(
  {
    user: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 255 }),
        enabled: Type.Optional(Type.Boolean()),
        options: Type.Optional(
          Type.Object({ lock_password: Type.Boolean() }, { additionalProperties: false }),
        ),
        emails: Type.Optional(
          Type.Array(Type.Object({ address: Type.String({ format: 'email' }) })),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function failure(
  schema: Parameters<typeof compileValidator>[0],
  part: 'body' | 'query' | 'params',
  value: unknown,
) {
  const validate = compileValidator(schema, part);
  try {
    validate(value, part);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return (err as ApiError).message;
  }
  throw new Error('value passed validation');
}

describe('compileValidator for bodies', () => {
  it('accepts a valid body', () => {
    expect(() =>
      compileValidator(userBody, 'body')({ user: { name: 'bob', enabled: true } }, 'body'),
    ).not.toThrow();
  });

  it('names a missing required field with its full path', () => {
    expect(failure(userBody, 'body', { user: {} })).toBe(
      "Invalid input for field 'user.name': 'name' is a required property.",
    );
    expect(failure(userBody, 'body', {})).toBe(
      "Invalid input for field 'user': 'user' is a required property.",
    );
  });

  it('names an unexpected property and where it was found', () => {
    expect(failure(userBody, 'body', { user: { name: 'bob', admin: true } })).toBe(
      "Invalid input for field 'user': Additional properties are not allowed ('admin' was unexpected).",
    );
    expect(failure(userBody, 'body', { user: { name: 'x' }, extra: 1 })).toBe(
      "Invalid input for field 'body': Additional properties are not allowed ('extra' was unexpected).",
    );
  });

  it('names a field of the wrong type, without coercing text to booleans', () => {
    const message = failure(userBody, 'body', { user: { name: 'bob', enabled: 'true' } });
    expect(message).toMatch(/^Invalid input for field 'user\.enabled': /);
    expect(message).toContain('boolean');
  });

  it('names nested object and array members by dotted path', () => {
    expect(
      failure(userBody, 'body', { user: { name: 'b', options: { lock_password: 1 } } }),
    ).toMatch(/^Invalid input for field 'user\.options\.lock_password': /);
    expect(
      failure(userBody, 'body', {
        user: { name: 'b', emails: [{ address: 'a@b.c' }, { address: 'nope' }] },
      }),
    ).toMatch(/^Invalid input for field 'user\.emails\.1\.address': .*email/);
  });

  it('unescapes JSON-pointer segments in field names', () => {
    const schema = Type.Object({ 'a/b': Type.Object({ '~c': Type.Integer() }) });
    expect(failure(schema, 'body', { 'a/b': { '~c': 'x' } })).toMatch(
      /^Invalid input for field 'a\/b\.~c': /,
    );
  });

  it('says the body itself is wrong when none was sent', () => {
    expect(failure(userBody, 'body', undefined)).toMatch(
      /^Invalid input for field 'body': must be object/,
    );
    expect(failure(userBody, 'body', [])).toMatch(/^Invalid input for field 'body': /);
  });

  it('reports string bounds', () => {
    expect(failure(userBody, 'body', { user: { name: '' } })).toMatch(/'user\.name'.*fewer than 1/);
    expect(failure(userBody, 'body', { user: { name: 'x'.repeat(256) } })).toMatch(
      /'user\.name'.*more than 255/,
    );
  });
});

describe('compileValidator for query strings and path parameters', () => {
  const query = Type.Object({
    limit: Type.Optional(Type.Integer({ minimum: 0 })),
    enabled: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String()),
  });

  it('coerces text to the declared types in place', () => {
    const value: Record<string, unknown> = { limit: '10', enabled: 'true', name: 'web' };
    compileValidator(query, 'query')(value, 'query');
    expect(value).toEqual({ limit: 10, enabled: true, name: 'web' });
  });

  it('names the parameter that cannot be coerced', () => {
    expect(failure(query, 'query', { limit: 'ten' })).toMatch(
      /^Invalid input for field 'limit': must be integer/,
    );
    expect(failure(query, 'query', { limit: '-1' })).toMatch(
      /^Invalid input for field 'limit': must be >= 0/,
    );
  });

  it('validates the same schema object as a body and as a query with each one its own rules', () => {
    const shared = Type.Object({ size: Type.Integer() });
    const asBody: Record<string, unknown> = { size: '3' };
    expect(() => compileValidator(shared, 'body')(asBody, 'body')).toThrow(ApiError);
    const asQuery: Record<string, unknown> = { size: '3' };
    compileValidator(shared, 'query')(asQuery, 'query');
    expect(asQuery.size).toBe(3);
  });

  it('checks path parameters', () => {
    const params = Type.Object({ id: Type.String({ format: 'uuid' }) });
    expect(failure(params, 'params', { id: 'not-a-uuid' })).toMatch(
      /^Invalid input for field 'id': must match format "uuid"/,
    );
  });
});
