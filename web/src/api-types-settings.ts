import type { ApiIssue, PolicyStatement, Role } from './api-types';

/** The API shapes of the settings pages (custom roles, access tokens), beside api-types.ts. */

/** A custom role: a policy in the custom-roles language, held by members and tokens. */
export interface CustomRole {
  readonly _id: string;
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly policy: readonly PolicyStatement[];
  readonly basePermissions?: 'reader' | 'no_access';
  readonly _version: number;
  /** Only in the answer to the change that introduced them. */
  readonly _warnings?: readonly ApiIssue[];
}

export interface CustomRolePost {
  readonly key: string;
  readonly name: string;
  readonly description?: string;
  readonly policy: readonly PolicyStatement[];
}

/** An API access token; `token` is masked except in the answers to create and reset. */
export interface AccessToken {
  readonly _id: string;
  readonly ownerId: string;
  readonly memberId: string;
  readonly name: string;
  readonly description: string;
  readonly role?: Role;
  readonly customRoleIds: readonly string[];
  readonly inlineRole: readonly PolicyStatement[];
  readonly serviceToken: boolean;
  readonly token: string;
  readonly creationDate: number;
  readonly lastUsed: number;
}

export interface AccessTokenPost {
  readonly name: string;
  readonly description?: string;
  readonly role?: Role;
  readonly customRoleIds?: readonly string[];
  readonly inlineRole?: readonly PolicyStatement[];
}
