import type { TSchema } from 'typebox';
import { isApiError } from '../../../core/errors/index.ts';
import { compileValidator } from '../../../core/http/index.ts';
import { imageErrors } from '../errors.ts';
import type { JsonSchema } from './image-schemas.ts';

/**
 * A validator for one of Glance's published schemas, answering a mismatch the way Glance
 * does: 400 "Provided object does not match schema '<name>': <reason>".
 */
export function schemaValidator(schema: JsonSchema): (value: unknown) => void {
  const validate = compileValidator(schema as unknown as TSchema, 'body');
  const name = String(schema.name ?? 'object');
  return (value) => {
    try {
      validate(value, 'body');
    } catch (err) {
      if (isApiError(err) && err.status === 400) throw imageErrors.schemaMismatch(name, err.message);
      throw err;
    }
  };
}
