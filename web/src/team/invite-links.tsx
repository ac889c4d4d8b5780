import { useState } from 'react';
import type { InvitedMember } from '../api-types';

/** The one-time links of the people just invited: Switchboard sends no mail, so the inviter passes them on. */
export function InviteLinks({ invited }: { readonly invited: readonly InvitedMember[] }) {
  const [copied, setCopied] = useState<string>();
  if (invited.length === 0) return null;
  const copy = (member: InvitedMember) => {
    navigator.clipboard.writeText(member._inviteUrl).then(
      () => setCopied(member._id),
      () => setCopied(undefined),
    );
  };
  return (
    <div className="alert alert-success invite-links" role="status">
      <p>
        Invited {invited.length === 1 ? invited[0]?.email : `${invited.length} people`}. Send each their link:
        it works once, for 7 days, and is not shown again.
      </p>
      <ul>
        {invited.map((member) => (
          <li key={member._id}>
            <span className="invite-email">{member.email}</span>
            <input
              className="input mono"
              readOnly
              value={member._inviteUrl}
              aria-label={`Invitation link for ${member.email}`}
              onFocus={(e) => e.target.select()}
            />
            <button type="button" className="button button-small" onClick={() => copy(member)}>
              {copied === member._id ? 'Copied' : 'Copy link'}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
