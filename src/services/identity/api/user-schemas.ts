import { Type } from 'typebox';

/**
 * Request bodies of the user API, as Keystone's JSON schemas accept them: known
 * members are type-checked, unknown ones are kept as extra attributes.
 */
const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableBoolean = Type.Union([Type.Boolean(), Type.Null()]);

/** Keystone's identity name: 1-255 characters, not only blanks (stored stripped). */
export const IdentityName = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
export const DomainId = Type.String({ minLength: 1, maxLength: 64 });

/** User resource options; null removes an option. Unknown options are rejected. */
export const UserOptions = Type.Object(
  {
    ignore_change_password_upon_first_use: Type.Optional(NullableBoolean),
    ignore_password_expiry: Type.Optional(NullableBoolean),
    ignore_lockout_failure_attempts: Type.Optional(NullableBoolean),
    lock_password: Type.Optional(NullableBoolean),
    ignore_user_inactivity: Type.Optional(NullableBoolean),
    // Lists of auth-method lists; no empty or duplicated list, no duplicated method in one.
    multi_factor_auth_rules: Type.Optional(
      Type.Union([
        Type.Array(Type.Array(Type.String(), { minItems: 1, uniqueItems: true }), {
          uniqueItems: true,
        }),
        Type.Null(),
      ]),
    ),
    multi_factor_auth_enabled: Type.Optional(NullableBoolean),
  },
  { additionalProperties: false },
);

const userProperties = {
  default_project_id: Type.Optional(NullableString),
  description: Type.Optional(NullableString),
  domain_id: Type.Optional(DomainId),
  enabled: Type.Optional(Type.Boolean()),
  password: Type.Optional(NullableString),
  options: Type.Optional(UserOptions),
  // Federation is not offered; the member is type-checked like Keystone and then ignored.
  federated: Type.Optional(
    Type.Array(Type.Object({ idp_id: Type.String(), protocols: Type.Array(Type.Unknown()) })),
  ),
};

export const CreateUserBody = Type.Object(
  { user: Type.Object({ ...userProperties, name: IdentityName }, { additionalProperties: true }) },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    user: Type.Object(
      { ...userProperties, id: Type.Optional(Type.String()), name: Type.Optional(IdentityName) },
      { additionalProperties: true, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);

export const ChangePasswordBody = Type.Object({
  user: Type.Object(
    { original_password: Type.String(), password: Type.String() },
    { additionalProperties: false },
  ),
});

export const UserIdParams = Type.Object({ user_id: Type.String() });
