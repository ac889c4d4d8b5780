/**
 * The action names of LaunchDarkly's custom-roles language, per resource type (keyed by the
 * type's name in a resource specifier). Audit entries and policies must use exactly these names:
 * a policy naming anything else can never match a real access, so validation warns about it.
 */
export const ACTION_CATALOG = {
  proj: [
    'createProject',
    'deleteProject',
    'updateProjectName',
    'updateTags',
    'updateIncludeInSnippetByDefault',
    'updateDefaultClientSideAvailability',
    'viewProject',
  ],
  env: [
    'createEnvironment',
    'deleteEnvironment',
    'updateName',
    'updateColor',
    'updateTtl',
    'updateApiKey',
    'updateMobileKey',
    'updateSecureMode',
    'updateDefaultTrackEvents',
    'updateTags',
    'updateRequireComments',
    'updateConfirmChanges',
    'updateCritical',
    // Reading the SDK and mobile keys: without it the environment is shown with them masked.
    'viewSdkKey',
  ],
  flag: [
    'createFlag',
    'cloneFlag',
    'deleteFlag',
    'updateOn',
    'updateName',
    'updateDescription',
    'updateTags',
    'updateTemporary',
    'updateMaintainer',
    'updateFlagVariations',
    'updateFlagDefaultVariations',
    'updateTargets',
    'updateRules',
    'updateFallthrough',
    'updateOffVariation',
    'updatePrerequisites',
    'updateClientSideFlagAvailability',
    'updateIncludeInSnippet',
    'updateGlobalArchived',
    'updateTrackEvents',
    'updateFlagFallthroughTrackEvents',
    'updateFlagSalt',
    'updateFlagCustomProperties',
    'copyFlagConfigFrom',
    'copyFlagConfigTo',
  ],
  segment: [
    'createSegment',
    'deleteSegment',
    'updateName',
    'updateDescription',
    'updateTags',
    'updateIncluded',
    'updateExcluded',
    'updateRules',
  ],
  metric: [
    'createMetric',
    'deleteMetric',
    'updateName',
    'updateDescription',
    'updateEventKey',
    'updateTags',
    'updateUrls',
    'updateSelector',
    'updateNumeric',
    'updateMaintainer',
  ],
  // createMember is the invite.
  member: ['createMember', 'updateRole', 'updateCustomRole', 'deleteMember'],
  token: [
    'createAccessToken',
    'updateAccessTokenPolicy',
    'updateAccessTokenName',
    'deleteAccessToken',
    'resetAccessToken',
  ],
  role: ['createRole', 'updatePolicy', 'updateName', 'updateDescription', 'deleteRole'],
  integration: ['createIntegration', 'deleteIntegration', 'updateName', 'updateConfiguration', 'updateOn'],
  webhook: [
    'createWebhook',
    'deleteWebhook',
    'updateName',
    'updateUrl',
    'updateSecret',
    'updateStatements',
    'updateOn',
  ],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type CatalogResourceType = keyof typeof ACTION_CATALOG;

export type ActionName = (typeof ACTION_CATALOG)[CatalogResourceType][number];

/** Every known action name once (several types share names such as `updateName`). */
export const ALL_ACTIONS: ReadonlySet<string> = new Set<string>(Object.values(ACTION_CATALOG).flat());
