import { collectionSchema, type JsonSchema } from './image-schemas.ts';

/**
 * The metadata definition schemas Glance publishes under /v2/schemas/metadefs (glance/api/v2/
 * metadef_*.py get_schema): what a namespace, object, property, tag and resource type
 * association look like, with the shared definitions their properties use.
 */
const definitions: JsonSchema = {
  positiveInteger: { type: 'integer', minimum: 0 },
  positiveIntegerDefault0: { allOf: [{ $ref: '#/definitions/positiveInteger' }, { default: 0 }] },
  stringArray: { type: 'array', items: { type: 'string' }, uniqueItems: true },
  property: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['title', 'type'],
      properties: {
        name: { type: 'string', maxLength: 80 },
        title: { type: 'string' },
        description: { type: 'string' },
        operators: { type: 'array', items: { type: 'string' } },
        type: { type: 'string', enum: ['array', 'boolean', 'integer', 'number', 'object', 'string', null] },
        required: { $ref: '#/definitions/stringArray' },
        minimum: { type: 'number' },
        maximum: { type: 'number' },
        maxLength: { $ref: '#/definitions/positiveInteger' },
        minLength: { $ref: '#/definitions/positiveIntegerDefault0' },
        pattern: { type: 'string', format: 'regex' },
        enum: { type: 'array' },
        readonly: { type: 'boolean' },
        default: {},
        items: {
          type: 'object',
          properties: { type: { type: 'string', enum: ['array', 'boolean', 'integer', 'number', 'object', 'string', null] }, enum: { type: 'array' } },
        },
        maxItems: { $ref: '#/definitions/positiveInteger' },
        minItems: { $ref: '#/definitions/positiveIntegerDefault0' },
        uniqueItems: { type: 'boolean', default: false },
        additionalItems: { type: 'boolean' },
      },
    },
  },
};

const time = (what: string) => ({ type: 'string', readOnly: true, description: `Date and time of ${what}`, format: 'date-time' });
const meta = { schema: { readOnly: true, type: 'string' }, self: { readOnly: true, type: 'string' } };

export const metadefNamespaceSchema: JsonSchema = {
  name: 'namespace',
  properties: {
    namespace: { type: 'string', maxLength: 80, description: 'The unique namespace text.' },
    display_name: { type: 'string', maxLength: 80, description: 'The user friendly name for the namespace. Used by UI if available.' },
    description: { type: 'string', maxLength: 500, description: 'Provides a user friendly description of the namespace.' },
    visibility: { type: 'string', description: 'Scope of namespace accessibility.', enum: ['public', 'private'] },
    protected: { type: 'boolean', description: 'If true, namespace will not be deletable.' },
    owner: { type: 'string', maxLength: 255, description: 'Owner of the namespace.' },
    created_at: time('namespace creation'),
    updated_at: time('the last namespace modification'),
    ...meta,
    resource_type_associations: {
      type: 'array',
      items: { type: 'object', properties: { name: { type: 'string' }, prefix: { type: 'string' }, properties_target: { type: 'string' } } },
    },
    properties: { $ref: '#/definitions/property' },
    objects: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          description: { type: 'string' },
          required: { $ref: '#/definitions/stringArray' },
          properties: { $ref: '#/definitions/property' },
        },
      },
    },
    tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
  },
  additionalProperties: false,
  definitions,
  required: ['namespace'],
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};

export const metadefObjectSchema: JsonSchema = {
  name: 'object',
  properties: {
    name: { type: 'string', maxLength: 80 },
    description: { type: 'string' },
    required: { $ref: '#/definitions/stringArray' },
    properties: { $ref: '#/definitions/property' },
    schema: { readOnly: true, type: 'string' },
    self: { readOnly: true, type: 'string' },
    created_at: time('object creation'),
    updated_at: time('the last object modification'),
  },
  required: ['name'],
  definitions,
  additionalProperties: false,
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};

const propertyItem = (definitions.property as { additionalProperties: { properties: JsonSchema } }).additionalProperties.properties;

export const metadefPropertySchema: JsonSchema = {
  name: 'property',
  properties: { ...propertyItem, name: { type: 'string', maxLength: 80 } },
  required: ['name', 'title', 'type'],
  definitions,
  additionalProperties: false,
};

export const metadefTagSchema: JsonSchema = {
  name: 'tag',
  properties: {
    name: { type: 'string', maxLength: 80 },
    created_at: time('tag creation'),
    updated_at: time('the last tag modification'),
  },
  required: ['name'],
  additionalProperties: false,
};

export const metadefResourceTypeSchema: JsonSchema = {
  name: 'resource_type_association',
  properties: {
    name: { type: 'string', maxLength: 80, description: 'Resource type names should be aligned with Heat resource types whenever possible: https://docs.openstack.org/heat/latest/template_guide/openstack.html' },
    prefix: { type: 'string', maxLength: 80, description: 'Specifies the prefix to use for the given resource type. Any properties in the namespace should be prefixed with this prefix when being applied to the specified resource type. Must include prefix separator (e.g. a colon :).' },
    properties_target: { type: 'string', maxLength: 80, description: 'Some resource types allow more than one key / value pair per instance.  For example, Cinder allows user and image metadata on volumes. Only the image properties metadata is evaluated by Nova (scheduling or drivers). This property allows a namespace target to remove the ambiguity.' },
    created_at: time('resource type association'),
    updated_at: time('the last resource type association modification'),
  },
  required: ['name'],
  additionalProperties: false,
};

/** name under /v2/schemas/metadefs/ -> the schema document served there. */
export const METADEF_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  namespace: metadefNamespaceSchema,
  namespaces: collectionSchema('namespaces', metadefNamespaceSchema),
  object: metadefObjectSchema,
  objects: collectionSchema('objects', metadefObjectSchema),
  property: metadefPropertySchema,
  properties: {
    name: 'properties',
    properties: { properties: { type: 'object', additionalProperties: { ...metadefPropertySchema, name: undefined } } },
    definitions,
    links: [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }],
  },
  tag: metadefTagSchema,
  tags: collectionSchema('tags', metadefTagSchema),
  resource_type: metadefResourceTypeSchema,
  resource_types: collectionSchema('resource_type_associations', metadefResourceTypeSchema),
};
