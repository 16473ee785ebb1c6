import { Type, type TSchema } from 'typebox';

/**
 * Request-body pieces of Cinder's parameter_types shared by the catalog APIs, so the same
 * field is validated the same way in every route.
 */

const TRUE_VALUES = [
  true,
  'True',
  'TRUE',
  'true',
  '1',
  'ON',
  'On',
  'on',
  'YES',
  'Yes',
  'yes',
  'y',
  't',
] as const;
const FALSE_VALUES = [
  false,
  'False',
  'FALSE',
  'false',
  '0',
  'OFF',
  'Off',
  'off',
  'NO',
  'No',
  'no',
  'n',
  'f',
] as const;

/** Cinder's boolean: JSON true/false or one of the strings oslo's bool_from_string accepts. */
export const CinderBool = Type.Unsafe<boolean | string>({
  type: ['boolean', 'string'],
  enum: [...TRUE_VALUES, ...FALSE_VALUES],
});

export function cinderBool(value: boolean | string): boolean {
  return (TRUE_VALUES as readonly (boolean | string)[]).includes(value);
}

/** A required name: 1-255 characters, not only blanks. */
export const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
export const NullableName = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);
export const Description = Type.Union([Type.String({ maxLength: 255 }), Type.Null()]);

/** A key/value object whose keys match `keyPattern` and whose values are short strings. */
export function specsObject(keyPattern: string, value: TSchema = Type.String({ maxLength: 255 })) {
  return Type.Record(Type.String({ pattern: keyPattern }), value, { additionalProperties: false });
}

/** Extra specs as types and QoS specs take them: values may be null. */
export const SpecsWithNull = specsObject(
  '^[a-zA-Z0-9-_:. /]{1,255}$',
  Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
);
/** Extra specs of the extra_specs API: keys without spaces, values may be null. */
export const SpecsNoSpaces = specsObject(
  '^[a-zA-Z0-9-_:.]{1,255}$',
  Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
);

/** Specs with null values stored as empty strings (the tables keep text values). */
export function specValues(
  specs: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs ?? {}))
    out[k] = v === null || v === undefined ? '' : String(v);
  return out;
}

export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
export const Uuid = Type.String({ pattern: UUID_PATTERN });
