import type { ReactNode } from 'react';
import type { Member } from './api-types';
import { type Page, paths } from './router';
import { Link } from './ui/link';

const sections: readonly { page: Page; also?: Page; label: string; to: string }[] = [
  { page: 'integrations', label: 'Integrations', to: paths.integrations() },
  { page: 'flags', also: 'flag', label: 'Flags', to: paths.flags() },
  { page: 'segments', label: 'Segments', to: paths.segments() },
  { page: 'audit', label: 'Audit log', to: paths.audit() },
  { page: 'environments', label: 'Environments', to: paths.environments() },
  { page: 'sdk-keys', label: 'SDK keys', to: paths.sdkKeys() },
  { page: 'team', label: 'Team', to: paths.team() },
  { page: 'roles', label: 'Roles', to: paths.roles() },
  { page: 'tokens', label: 'Tokens', to: paths.tokens() },
];

interface AppShellProps {
  readonly member: Member;
  readonly page: Page;
  readonly onSignOut: () => void;
  readonly children: ReactNode;
}

/** Header with the navigation and who is signed in; the page below. */
export function AppShell({ member, page, onSignOut, children }: AppShellProps) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link className="brand" to={paths.integrations()}>
            <span className="brand-mark" aria-hidden="true" />
            <span className="brand-name">Switchboard</span>
          </Link>
          <nav className="nav" aria-label="Main">
            {sections.map((s) => (
              <Link
                key={s.page}
                to={s.to}
                className="nav-link"
                aria-current={s.page === page || s.also === page ? 'page' : undefined}
              >
                {s.label}
              </Link>
            ))}
          </nav>
          <div className="account">
            <span className="account-email" title={member.email}>
              {member.email}
            </span>
            <button type="button" className="button button-quiet button-small" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
