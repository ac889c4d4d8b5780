import { useCallback } from 'react';
import { api } from '../api';
import type { Member } from '../api-types';
import { ErrorMessage } from '../ui/error-message';
import { RelativeTime } from '../ui/relative-time';
import { StatusBadge } from '../ui/status-badge';
import { usePolled } from '../ui/use-polled';
import { InviteForm } from './invite-form';
import { roleLabels } from './role-labels';

const fullName = (m: Member): string => [m.firstName, m.lastName].filter((p) => p !== '').join(' ');

/** Members and their roles; invite more. */
export function TeamPage({ me }: { readonly me: Member }) {
  const load = useCallback(() => api.members.list(), []);
  const members = usePolled('members', load, 10_000);
  const items = members.data?.items;
  return (
    <div className="page">
      <h1>Team</h1>
      <p className="lead">Who can sign in, and what their role lets them do.</p>
      <InviteForm onInvited={() => void members.reload()} />
      <ErrorMessage error={members.error} title="Could not load the members." />
      {items === undefined ? (
        members.error === undefined ? (
          <p className="muted">Loading…</p>
        ) : null
      ) : (
        <section className="card" aria-labelledby="members-heading">
          <h2 id="members-heading">
            Members <span className="count">{items.length}</span>
          </h2>
          <div className="table-scroll">
            <table className="table team-table">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">Joined</th>
                </tr>
              </thead>
              <tbody>
                {items.map((m) => (
                  <tr key={m._id}>
                    <td>
                      <span className="avatar" aria-hidden="true">
                        {(fullName(m) || m.email).slice(0, 1).toUpperCase()}
                      </span>
                      <span className="member-name">
                        {fullName(m) === '' ? m.email : fullName(m)}
                        {m._id === me._id ? <span className="muted"> (you)</span> : null}
                        {fullName(m) === '' ? null : <span className="muted small block">{m.email}</span>}
                      </span>
                    </td>
                    <td>
                      {roleLabels[m.role]?.name ?? m.role}
                      {m.customRoles.length === 0 ? null : (
                        <span className="muted small block">+ {m.customRoles.join(', ')}</span>
                      )}
                    </td>
                    <td>
                      {m._pendingInvite ? (
                        <StatusBadge tone="wait">Invited</StatusBadge>
                      ) : (
                        <StatusBadge tone="good">Active</StatusBadge>
                      )}
                    </td>
                    <td className="nowrap">
                      <RelativeTime at={m.creationDate} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </div>
  );
}
