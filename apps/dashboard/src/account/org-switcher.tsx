import { useState } from 'react';
import { request } from '../api/client';
import type { Session } from '../api/types';

/**
 * The organizations the signed-in person belongs to; choosing one opens a session there (the
 * current one ends). Hidden when there is only one, or for an admin-key session.
 */
export function OrgSwitcher({ session, onSwitched }: { session: Session; onSwitched: (s: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  const memberships = session.account?.memberships ?? [];
  if (memberships.length < 2) return null;
  const change = async (organizationId: string) => {
    try {
      onSwitched(
        (
          await request<Session>('POST', '/dashboard/api/account/organization', {
            organization_id: organizationId,
          })
        ).data,
      );
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <span className="org-switcher">
      <label htmlFor="org-switcher">Organization</label>{' '}
      <select id="org-switcher" value={session.organization_id} onChange={(e) => void change(e.target.value)}>
        {memberships.map((m) => (
          <option key={m.organization_id} value={m.organization_id}>
            {m.organization_name} ({m.role})
          </option>
        ))}
      </select>
      {error ? <span role="alert"> {error}</span> : null}
    </span>
  );
}
