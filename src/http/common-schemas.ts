import { type TSchema, Type } from '@sinclair/typebox';

/**
 * The longest key of a project, environment, flag, segment, metric or role. Keys travel in URL
 * paths, so the router's longest path parameter is set from it (see app.ts): a key the API takes
 * must stay reachable, to be read and deleted.
 */
export const maxKeyLength = 256;

export const Key = Type.String({
  pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${maxKeyLength - 1}}$`,
  description: 'Letters, digits, ".", "_" and "-", starting with a letter or digit',
});
export const Name = Type.String({ minLength: 1, maxLength: 256 });
export const Tag = Type.String({
  pattern: '^[A-Za-z0-9._-]{1,64}$',
  description: 'Letters, digits, ".", "_", "-"',
});
export const Tags = Type.Array(Tag, { maxItems: 50, uniqueItems: true });
export const Id = Type.String({ pattern: '^[0-9a-f]{24}$' });
export const Comment = Type.String({ maxLength: 4096 });

export const Link = Type.Object({ href: Type.String(), type: Type.String() });
export const Links = Type.Record(Type.String(), Link);

export const ErrorBody = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), message: Type.String() }))),
  },
  {},
);

export function collection<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), totalCount: Type.Integer(), _links: Links });
}

/** A JSON Patch body: a bare operation array or `{patch, comment}` (checked by parsePatchBody). */
export const PatchBody = Type.Unknown({
  description: 'JSON Patch array, or {"patch": [...], "comment": "..."}',
});

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
} as const;

export const noContentResponses = { 204: Type.Null(), ...errorResponses } as const;
