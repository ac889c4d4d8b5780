import type { AccessSegment, TaggedAccess } from './audit-model.js';

export function segment(type: string, key: string, tags: readonly string[] = []): AccessSegment {
  return { type, key, tags: [...tags] };
}

export function access(action: string, ...resource: AccessSegment[]): TaggedAccess {
  return { action, resource };
}

export interface TaggedKey {
  readonly key: string;
  readonly tags: readonly string[];
}

export const resources = {
  project: (p: TaggedKey) => [segment('proj', p.key, p.tags)],
  environment: (p: TaggedKey, e: TaggedKey) => [
    segment('proj', p.key, p.tags),
    segment('env', e.key, e.tags),
  ],
  flag: (p: TaggedKey, e: TaggedKey, f: TaggedKey) => [
    segment('proj', p.key, p.tags),
    segment('env', e.key, e.tags),
    segment('flag', f.key, f.tags),
  ],
  segment: (p: TaggedKey, e: TaggedKey, s: TaggedKey) => [
    segment('proj', p.key, p.tags),
    segment('env', e.key, e.tags),
    segment('segment', s.key, s.tags),
  ],
  metric: (p: TaggedKey, m: TaggedKey) => [segment('proj', p.key, p.tags), segment('metric', m.key, m.tags)],
  member: (id: string, email: string) => [{ type: 'member', key: id, tags: [], aliases: [email] }],
  token: (memberId: string, tokenId: string) => [segment('member', memberId), segment('token', tokenId)],
  serviceToken: (tokenId: string) => [segment('service-token', tokenId)],
  role: (key: string) => [segment('role', key)],
  integration: (id: string) => [segment('integration', id)],
  webhook: (id: string) => [segment('webhook', id)],
} satisfies Record<string, (...args: never[]) => AccessSegment[]>;
