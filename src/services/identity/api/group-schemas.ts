import { Type } from 'typebox';
import { DomainId, IdentityName } from './user-schemas.ts';

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** Request bodies of the group API; unknown members are kept as extra attributes. */
export const CreateGroupBody = Type.Object(
  {
    group: Type.Object(
      {
        domain_id: Type.Optional(DomainId),
        description: Type.Optional(NullableString),
        name: IdentityName,
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: false },
);

export const UpdateGroupBody = Type.Object(
  {
    group: Type.Object(
      {
        id: Type.Optional(Type.String()),
        domain_id: Type.Optional(DomainId),
        description: Type.Optional(NullableString),
        name: Type.Optional(IdentityName),
      },
      { additionalProperties: true, minProperties: 1 },
    ),
  },
  { additionalProperties: false },
);

export const GroupIdParams = Type.Object({ group_id: Type.String() });
export const GroupUserParams = Type.Object({ group_id: Type.String(), user_id: Type.String() });
