import type { FlagDoc } from './flag-model.js';
import type { FlagHandler } from './flag-semantic-context.js';
import { editTags, fail, field, type Instruction, isString, isStrings } from './flag-semantic-fields.js';

/** Semantic patch instructions on flag-wide settings: no `environmentKey` needed. */

const availabilities = ['usingMobileKey', 'usingEnvironmentId'] as const;

function setAvailability(flag: FlagDoc, i: Instruction, at: string, on: boolean): void {
  const which = field(i, 'value', at, isString, '"usingMobileKey" or "usingEnvironmentId"');
  if (!(availabilities as readonly string[]).includes(which))
    fail(`${at}/value`, 'must be "usingMobileKey" or "usingEnvironmentId"');
  flag.clientSideAvailability = { ...flag.clientSideAvailability, [which]: on };
}

function customProperty(flag: FlagDoc, i: Instruction, at: string, replace: boolean): void {
  const key = field(i, 'key', at, isString, 'a custom property key');
  if (key === '') fail(`${at}/key`, 'must not be empty');
  const name = field(i, 'name', at, isString, 'the custom property name');
  const values = field(i, 'values', at, isStrings, 'an array of strings');
  const existing = flag.customProperties[key];
  const merged = replace || existing === undefined ? values : [...new Set([...existing.value, ...values])];
  flag.customProperties = { ...flag.customProperties, [key]: { name, value: merged } };
}

export const settingHandlers: Record<string, FlagHandler> = {
  updateName: (flag, i, ctx) => {
    flag.name = field(i, 'value', ctx.at, isString, 'a string');
  },
  updateDescription: (flag, i, ctx) => {
    flag.description = field(i, 'value', ctx.at, isString, 'a string');
  },
  addTags: (flag, i, ctx) => {
    flag.tags = editTags(flag.tags, i, ctx.at, true);
  },
  removeTags: (flag, i, ctx) => {
    flag.tags = editTags(flag.tags, i, ctx.at, false);
  },
  archiveFlag: (flag) => {
    flag.archived = true;
  },
  restoreFlag: (flag) => {
    flag.archived = false;
  },
  makeFlagTemporary: (flag) => {
    flag.temporary = true;
  },
  makeFlagPermanent: (flag) => {
    flag.temporary = false;
  },
  updateMaintainerMember: (flag, i, ctx) => {
    const id = field(i, 'value', ctx.at, isString, 'the _id of a member');
    if (!ctx.lookups.isMember(id)) fail(`${ctx.at}/value`, `no member has the id "${id}"`);
    flag.maintainerId = id;
  },
  updateMaintainerTeam: (_flag, _i, ctx) => {
    fail(`${ctx.at}/kind`, 'Switchboard has no teams; use updateMaintainerMember');
  },
  removeMaintainer: (flag) => {
    delete flag.maintainerId;
  },
  turnOnClientSideAvailability: (flag, i, ctx) => setAvailability(flag, i, ctx.at, true),
  turnOffClientSideAvailability: (flag, i, ctx) => setAvailability(flag, i, ctx.at, false),
  addCustomProperties: (flag, i, ctx) => customProperty(flag, i, ctx.at, false),
  replaceCustomProperties: (flag, i, ctx) => customProperty(flag, i, ctx.at, true),
  removeCustomProperties: (flag, i, ctx) => {
    const key = field(i, 'key', ctx.at, isString, 'a custom property key');
    const values = field(i, 'values', ctx.at, isStrings, 'an array of strings');
    const existing = flag.customProperties[key];
    if (existing === undefined) return;
    const { [key]: _gone, ...rest } = flag.customProperties;
    const left = existing.value.filter((v) => !values.includes(v));
    // LaunchDarkly: removing every value removes the property.
    flag.customProperties = left.length === 0 ? rest : { ...rest, [key]: { ...existing, value: left } };
  },
};

/** The member ids instructions name as maintainer, for the caller to look up beforehand. */
export function maintainerIdsOf(instruction: Instruction): string[] {
  return instruction.kind === 'updateMaintainerMember' && typeof instruction.value === 'string'
    ? [instruction.value]
    : [];
}
