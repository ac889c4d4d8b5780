import { useCallback, useState } from 'react';
import { api } from '../api';
import type { Member } from '../api-types';
import type { CustomRole } from '../api-types-settings';
import { navigate, paths } from '../router';
import { ConfirmDialog } from '../ui/confirm-dialog';
import { ErrorMessage } from '../ui/error-message';
import { Link } from '../ui/link';
import { usePolled } from '../ui/use-polled';
import { RoleForm } from './role-form';
import './roles.css';

interface RolesPageProps {
  readonly roleKey?: string;
  readonly mode?: 'new';
}

const holds = (member: Member, role: CustomRole) =>
  member.customRoles.includes(role.key) || member.customRoles.includes(role._id);

const memberName = (m: Member) => `${m.firstName} ${m.lastName}`.trim() || m.email;

/** Custom roles: the list with who holds each, and one role's form (`/settings/roles/{key}`). */
export function RolesPage({ roleKey, mode }: RolesPageProps) {
  const loadRoles = useCallback(() => api.roles.list(), []);
  const loadMembers = useCallback(() => api.members.list(), []);
  // Polled: members gain and lose roles on the Team page and through the API.
  const roles = usePolled('roles', loadRoles, 10_000);
  const members = usePolled('members', loadMembers, 5000);
  const everyone = members.data?.items ?? [];
  const list = roles.data?.items ?? [];
  const role = roleKey === undefined ? undefined : list.find((r) => r.key === roleKey);

  if (mode === 'new') {
    return (
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.roles()}>Roles</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">New role</span>
        </nav>
        <h1>Create a custom role</h1>
        <RoleForm
          onSaved={(saved) => {
            roles.update((page) => page && { ...page, items: [...page.items, saved] });
            navigate(paths.role(saved.key));
          }}
          onCancel={() => navigate(paths.roles())}
        />
      </div>
    );
  }

  if (roleKey !== undefined) {
    return (
      <div className="page">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link to={paths.roles()}>Roles</Link> <span aria-hidden="true">›</span>{' '}
          <span aria-current="page">{role?.name ?? roleKey}</span>
        </nav>
        <ErrorMessage error={roles.error} title="Could not load the roles." />
        {role === undefined ? (
          roles.data === undefined ? (
            <p className="muted">Loading…</p>
          ) : (
            <p className="alert alert-error">There is no role with the key “{roleKey}”.</p>
          )
        ) : (
          <RoleDetail
            key={`${role.key}:${role._version}`}
            role={role}
            holders={everyone.filter((m) => holds(m, role))}
            onSaved={(saved) =>
              roles.update(
                (page) =>
                  page && { ...page, items: page.items.map((r) => (r.key === saved.key ? saved : r)) },
              )
            }
          />
        )}
      </div>
    );
  }

  return (
    <div className="page">
      <header className="detail-header">
        <div>
          <h1>Roles</h1>
          <p className="lead">
            Custom roles grant what the built-in reader, writer and admin roles do not: e.g. turning flags on
            in production, and nothing else.
          </p>
        </div>
        <div className="actions">
          <Link className="button button-primary" to={paths.newRole()}>
            Create role
          </Link>
        </div>
      </header>
      <ErrorMessage error={roles.error} title="Could not load the roles." />
      {roles.data !== undefined && list.length === 0 ? (
        <p className="empty-state">No custom roles yet.</p>
      ) : null}
      {list.length === 0 ? null : (
        <div className="table-scroll card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Key</th>
                <th scope="col">Statements</th>
                <th scope="col">Held by</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => {
                const holders = everyone.filter((m) => holds(m, r));
                return (
                  <tr key={r.key}>
                    <td>
                      <Link to={paths.role(r.key)}>{r.name}</Link>
                      {r.description === '' ? null : (
                        <span className="muted small block">{r.description}</span>
                      )}
                    </td>
                    <td>
                      <code>{r.key}</code>
                    </td>
                    <td className="numeric">{r.policy.length}</td>
                    <td>
                      {holders.length === 0 ? (
                        <span className="muted">nobody</span>
                      ) : (
                        holders.map(memberName).join(', ')
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function RoleDetail({
  role,
  holders,
  onSaved,
}: {
  readonly role: CustomRole;
  readonly holders: readonly Member[];
  readonly onSaved: (role: CustomRole) => void;
}) {
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <>
      <header className="detail-header">
        <div>
          <h1>{role.name}</h1>
          <p className="muted">
            <code>{role.key}</code> · <Link to={paths.audit({ spec: `role/${role.key}` })}>History</Link>
          </p>
        </div>
        <div className="actions">
          <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Delete role
          </button>
        </div>
      </header>
      {saved ? (
        <p className="alert alert-success" role="status">
          Saved the role.
        </p>
      ) : null}
      <ErrorMessage error={error} title="Not deleted." />
      <section className="card" aria-labelledby="holders-heading">
        <h2 id="holders-heading">Held by</h2>
        {holders.length === 0 ? (
          <p className="muted">No member holds this role. Give it to members on the Team page.</p>
        ) : (
          <ul className="holders">
            {holders.map((m) => (
              <li key={m._id}>
                <Link to={paths.team()}>{memberName(m)}</Link> <span className="muted small">{m.email}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      <RoleForm
        existing={role}
        onSaved={(r) => {
          setSaved(true);
          onSaved(r);
        }}
        onCancel={() => navigate(paths.roles())}
      />
      <ConfirmDialog
        open={deleting}
        title={`Delete the role ${role.name}?`}
        confirmLabel="Delete role"
        onConfirm={() => {
          setDeleting(false);
          api.roles.remove(role.key).then(() => navigate(paths.roles()), setError);
        }}
        onCancel={() => setDeleting(false)}
      >
        <p>
          {holders.length === 0
            ? 'Nobody holds it.'
            : `${holders.length} member${holders.length === 1 ? '' : 's'} hold${holders.length === 1 ? 's' : ''} it and will lose what it grants.`}
        </p>
      </ConfirmDialog>
    </>
  );
}
