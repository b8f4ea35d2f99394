import { ApiError, api } from '../api/client';
import type { Organization, Session } from '../api/types';
import { formatNumber } from './format';
import { pathKey, useLoad } from './queries';

/**
 * The shell's line about the organization: its name (from `GET /v1/organization`; its id where the
 * gateway does not answer that), whether it is suspended, and its monthly live-request limit.
 */
export function OrganizationSummary({ session }: { session: Session }) {
  const org = useLoad(
    pathKey('/v1/organization'),
    async (signal) => {
      try {
        return (await api.get<Organization>('/v1/organization', signal)).data;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    { staleTime: 60_000 },
  );
  const limit = org.data ? org.data.monthly_request_limit : session.org_monthly_limit;
  return (
    <span className="org-summary" data-testid="organization">
      <strong>{org.data?.name ?? session.account?.organization.name ?? session.organization_id}</strong>
      {org.data?.status === 'suspended' ? <span className="badge status-revoked">suspended</span> : null}
      <span className="muted">
        {' · '}
        {limit === null ? 'no monthly limit' : `monthly limit ${formatNumber(limit)} requests`}
      </span>
    </span>
  );
}
