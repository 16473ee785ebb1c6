import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from 'typebox';
import { badRequest } from '../errors/index.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ?? (addFormatsModule as unknown as AddFormats);

/**
 * Two validators: JSON bodies are checked strictly (a string is not a boolean), while query
 * strings and path parameters arrive as text and are coerced to the declared types.
 */
const bodyAjv = new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: true });
const queryAjv = new Ajv({ strict: false, allErrors: false, coerceTypes: 'array', useDefaults: true });
addFormats(bodyAjv);
addFormats(queryAjv);

export type Validator = (value: unknown, where: 'body' | 'query' | 'params') => void;

/** Describes the first validation error with the dotted name of the field at fault. */
export function describeValidationError(err: ErrorObject, where: string): string {
  const path = err.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (err.keyword === 'required') {
    const field = [...path, String(err.params.missingProperty)].join('.');
    return `Invalid input for field '${field}': '${String(err.params.missingProperty)}' is a required property.`;
  }
  if (err.keyword === 'additionalProperties') {
    const extra = String(err.params.additionalProperty);
    const field = path.length ? path.join('.') : where;
    return `Invalid input for field '${field}': Additional properties are not allowed ('${extra}' was unexpected).`;
  }
  const field = path.length ? path.join('.') : where;
  return `Invalid input for field '${field}': ${err.message ?? 'is invalid'}.`;
}

// One cache per validator: a schema object shared by a body and a query must not get the
// body's strict function where text needs coercing, nor the other way round.
const bodyCache = new WeakMap<object, ValidateFunction>();
const queryCache = new WeakMap<object, ValidateFunction>();

export function compileValidator(schema: TSchema, part: 'body' | 'query' | 'params'): Validator {
  const [ajv, cache] = part === 'body' ? [bodyAjv, bodyCache] : [queryAjv, queryCache];
  let fn = cache.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    cache.set(schema, fn);
  }
  const validate = fn;
  return (value, where) => {
    if (!validate(value)) {
      const first = validate.errors?.[0];
      throw badRequest(first ? describeValidationError(first, where) : `Invalid ${where}.`, 'validation_failed');
    }
  };
}
