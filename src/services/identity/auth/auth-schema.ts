import { Type, type Static } from 'typebox';

// The body of POST /v3/auth/tokens, as Keystone's JSON schema accepts it: known members
// are type-checked, unknown ones are ignored.
const DomainRef = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });
const UserRef = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  domain: Type.Optional(DomainRef),
});
const ProjectRef = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  domain: Type.Optional(DomainRef),
});

export const AuthBody = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String(), { minItems: 1 }),
      password: Type.Optional(
        Type.Object({
          user: Type.Object({
            id: Type.Optional(Type.String()),
            name: Type.Optional(Type.String()),
            domain: Type.Optional(DomainRef),
            password: Type.String(),
          }),
        }),
      ),
      token: Type.Optional(Type.Object({ id: Type.String() })),
      application_credential: Type.Optional(
        Type.Object({
          id: Type.Optional(Type.String()),
          name: Type.Optional(Type.String()),
          secret: Type.String(),
          user: Type.Optional(UserRef),
        }),
      ),
    }),
    scope: Type.Optional(
      Type.Union([
        Type.Literal('unscoped'),
        Type.Object({
          project: Type.Optional(ProjectRef),
          domain: Type.Optional(DomainRef),
          system: Type.Optional(Type.Object({ all: Type.Boolean() })),
          'OS-TRUST:trust': Type.Optional(Type.Object({ id: Type.String() })),
        }),
      ]),
    ),
  }),
});

export type AuthBody = Static<typeof AuthBody>;
export type AuthIdentity = AuthBody['auth']['identity'];
export type AuthScope = NonNullable<AuthBody['auth']['scope']>;
