import type { Role } from '../api-types';

export const roleLabels: Readonly<Record<Role, { name: string; description: string }>> = {
  reader: { name: 'Reader', description: 'Readers can see every project but change nothing.' },
  writer: {
    name: 'Writer',
    description: 'Writers can change anything inside projects: flags, environments, segments, metrics.',
  },
  admin: {
    name: 'Admin',
    description: 'Admins can do everything, including members, roles and integrations.',
  },
  owner: { name: 'Owner', description: 'Owners can do everything, like admins.' },
  no_access: { name: 'No access', description: 'No access until given a custom role.' },
};
