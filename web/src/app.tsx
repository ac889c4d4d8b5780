import { useEffect, useState } from 'react';
import { ApiError, api, onSignedOut } from './api';
import type { Member } from './api-types';
import { AppShell } from './app-shell';
import { AuditPage } from './audit/audit-page';
import { EnvironmentsPage } from './environments/environments-page';
import { SdkKeysPage } from './environments/sdk-keys-page';
import { FlagDetailPage } from './flags/flag-detail-page';
import { FlagsPage } from './flags/flags-page';
import { IntegrationsPage } from './integrations/integrations-page';
import { RolesPage } from './roles/roles-page';
import { navigate, paths, type Route, useRoute } from './router';
import { SegmentsPage } from './segments/segments-page';
import { AcceptInvitationPage } from './session/accept-invitation-page';
import { SignInPage } from './session/sign-in-page';
import { TeamPage } from './team/team-page';
import { TokensPage } from './tokens/tokens-page';
import { ErrorMessage } from './ui/error-message';
import { Link } from './ui/link';

type SessionState =
  | { readonly kind: 'checking' }
  | { readonly kind: 'signed-out'; readonly notice?: string }
  | { readonly kind: 'signed-in'; readonly member: Member }
  | { readonly kind: 'failed'; readonly error: unknown };

const titles: Readonly<Record<Route['page'], string>> = {
  integrations: 'Integrations',
  flags: 'Flags',
  flag: 'Flag',
  audit: 'Audit log',
  team: 'Team',
  roles: 'Roles',
  tokens: 'Access tokens',
  environments: 'Environments',
  segments: 'Segments',
  'sdk-keys': 'SDK keys',
  'accept-invitation': 'Join',
  'not-found': 'Not found',
};

function RoutePage({ route, member }: { readonly route: Route; readonly member: Member }) {
  switch (route.page) {
    case 'integrations':
      return <IntegrationsPage {...route} />;
    case 'flags':
      return <FlagsPage {...route} />;
    case 'flag':
      return <FlagDetailPage {...route} />;
    case 'audit':
      return <AuditPage {...route} />;
    case 'team':
      return <TeamPage me={member} />;
    case 'roles':
      return <RolesPage {...route} />;
    case 'segments':
      return <SegmentsPage {...route} />;
    case 'environments':
      return <EnvironmentsPage {...route} />;
    case 'tokens':
      return <TokensPage me={member} />;
    case 'sdk-keys':
      return <SdkKeysPage {...route} />;
    case 'accept-invitation':
      return null;
    case 'not-found':
      return (
        <div className="page">
          <h1>Nothing here</h1>
          <p>
            Switchboard has no page at <code>{route.path}</code>.{' '}
            <Link to="/integrations">Go to the integrations</Link>.
          </p>
        </div>
      );
  }
}

/** Checks the session, shows sign-in or the app, and returns to sign-in whenever the session ends. */
export function App() {
  const route = useRoute();
  const [session, setSession] = useState<SessionState>({ kind: 'checking' });

  useEffect(() => {
    api.session.get().then(
      (s) => setSession({ kind: 'signed-in', member: s.member }),
      (error: unknown) =>
        setSession(
          error instanceof ApiError && error.status === 401
            ? { kind: 'signed-out' }
            : { kind: 'failed', error },
        ),
    );
    return onSignedOut(() =>
      setSession((s) =>
        s.kind === 'signed-in' ? { kind: 'signed-out', notice: 'Your session ended; sign in again.' } : s,
      ),
    );
  }, []);

  useEffect(() => {
    document.title =
      session.kind === 'signed-in' ? `${titles[route.page]} · Switchboard` : 'Sign in · Switchboard';
  }, [route.page, session.kind]);

  // An invitation link works whoever is signed in here: accepting it signs in as the new member.
  if (route.page === 'accept-invitation') {
    return (
      <AcceptInvitationPage
        onAccepted={(member) => {
          setSession({ kind: 'signed-in', member });
          navigate(paths.integrations(), { replace: true });
        }}
      />
    );
  }

  switch (session.kind) {
    case 'checking':
      return <p className="splash">Loading…</p>;
    case 'failed':
      return (
        <main className="sign-in">
          <ErrorMessage error={session.error} title="Switchboard is not answering." />
        </main>
      );
    case 'signed-out':
      return (
        <SignInPage
          {...(session.notice === undefined ? {} : { notice: session.notice })}
          onSignedIn={(member) => setSession({ kind: 'signed-in', member })}
        />
      );
    case 'signed-in':
      return (
        <AppShell
          member={session.member}
          page={route.page}
          onSignOut={() => {
            const done = () => setSession({ kind: 'signed-out', notice: 'Signed out.' });
            api.session.signOut().then(done, done);
          }}
        >
          <RoutePage route={route} member={session.member} />
        </AppShell>
      );
  }
}
