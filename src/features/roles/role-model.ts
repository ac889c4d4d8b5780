// Placeholder until the feature lands: the document stored for a role.
export type RoleDoc = Record<string, unknown>;
