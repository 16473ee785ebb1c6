import { Type, type TSchema } from 'typebox';

/**
 * Request schemas of the project, domain and tag APIs, with Keystone's rules: names 1-64
 * characters with at least one that is not a space, ids 1-64 of [a-zA-Z0-9-], tags 1-255
 * characters without ',' or '/', at most 80 distinct tags. Unknown body fields are allowed:
 * Keystone keeps them as extra attributes.
 */

const nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' });
const IdString = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9-]+$' });
const Description = nullable(Type.String());

export const Tag = Type.String({ minLength: 1, maxLength: 255, pattern: '^[^,/]*$' });
export const Tags = Type.Array(Tag, { maxItems: 80, uniqueItems: true });

/** Resource options of projects and domains: only `immutable`; null resets an option. */
export const ResourceOptions = Type.Object(
  { immutable: Type.Optional(nullable(Type.Boolean())) },
  { additionalProperties: false },
);

const projectFields = {
  name: Name,
  description: Type.Optional(Description),
  domain_id: Type.Optional(nullable(IdString)),
  parent_id: Type.Optional(nullable(IdString)),
  enabled: Type.Optional(Type.Boolean()),
  is_domain: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
  options: Type.Optional(ResourceOptions),
};

export const ProjectCreateBody = Type.Object({ project: Type.Object(projectFields) });

export const ProjectUpdateBody = Type.Object({
  project: Type.Partial(Type.Object(projectFields), { minProperties: 1 }),
});

const domainFields = {
  name: Name,
  description: Type.Optional(Description),
  enabled: Type.Optional(Type.Boolean()),
  tags: Type.Optional(Tags),
  options: Type.Optional(ResourceOptions),
};

export const DomainCreateBody = Type.Object({
  domain: Type.Object({ ...domainFields, explicit_domain_id: Type.Optional(Type.String()) }),
});

export const DomainUpdateBody = Type.Object({
  domain: Type.Partial(Type.Object(domainFields), { minProperties: 1 }),
});

export const TagsBody = Type.Object({ tags: Tags });

export const ProjectParams = Type.Object({ project_id: Type.String() });
export const DomainParams = Type.Object({ domain_id: Type.String() });
export const ProjectTagParams = Type.Object({ project_id: Type.String(), tag: Type.String() });

const optionalText = Type.Optional(Type.String());

export const ProjectListQuery = Type.Object({
  name: optionalText,
  domain_id: optionalText,
  parent_id: optionalText,
  enabled: optionalText,
  is_domain: optionalText,
  tags: optionalText,
  'tags-any': optionalText,
  'not-tags': optionalText,
  'not-tags-any': optionalText,
});

export const ProjectShowQuery = Type.Object({
  parents_as_list: optionalText,
  parents_as_ids: optionalText,
  subtree_as_list: optionalText,
  subtree_as_ids: optionalText,
});

export const DomainListQuery = Type.Object({ name: optionalText, enabled: optionalText });
