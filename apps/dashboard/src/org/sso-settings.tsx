import { useState } from 'react';
import { ApiError, api } from '../api/client';
import { ErrorMessage } from '../components/error-message';
import { SelectField, TextField } from '../components/fields';
import { pathKey, useInvalidate, useLoad } from '../components/queries';
import { useAction, useSubmit } from '../components/use-action';

const PATH = '/v1/organization/oidc';
type DefaultRole = 'viewer' | 'developer' | 'admin';

interface OidcConfig {
  issuer: string;
  client_id: string;
  allowed_email_domain: string | null;
  default_role: DefaultRole;
}

/**
 * Single sign-on (OpenID Connect) for an owner: the provider's issuer, the client id and secret
 * registered there (the secret is write-only: enter it again to change anything), an optional
 * email domain, and the role new members get. Its redirect URI is `/v1/session/oidc/callback`.
 */
export function SsoSettings({ onStatus }: { onStatus: (status: string) => void }) {
  const current = useLoad(pathKey(PATH), (signal) =>
    api
      .get<OidcConfig>(PATH, signal)
      .then((r) => r.data)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
  );
  const invalidate = useInvalidate();
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [domain, setDomain] = useState('');
  const [role, setRole] = useState<DefaultRole>('viewer');
  const remove = useAction();
  const save = useSubmit(async () => {
    try {
      await api.put(PATH, {
        issuer,
        client_id: clientId,
        client_secret: secret,
        allowed_email_domain: domain.trim() === '' ? null : domain.trim(),
        default_role: role,
      });
      onStatus('Single sign-on saved.');
      await invalidate(PATH);
    } finally {
      setSecret('');
    }
  });
  const config = current.data;
  return (
    <form className="form" onSubmit={save.onSubmit} aria-labelledby="sso-form">
      <h2 id="sso-form">Single sign-on (OpenID Connect)</h2>
      <p className="muted" data-testid="sso-current">
        {config
          ? `Signing in through ${config.issuer} (client ${config.client_id}); new members join as ${config.default_role}${config.allowed_email_domain ? `, ${config.allowed_email_domain} addresses only` : ''}.`
          : 'Not set up. Register the redirect URI /v1/session/oidc/callback of this gateway at your provider.'}
      </p>
      <TextField
        id="sso-issuer"
        label="Issuer URL"
        type="url"
        required
        value={issuer}
        onChange={(e) => setIssuer(e.target.value)}
      />
      <TextField
        id="sso-client-id"
        label="Client id"
        required
        value={clientId}
        onChange={(e) => setClientId(e.target.value)}
      />
      <TextField
        id="sso-client-secret"
        label="Client secret (never shown again)"
        type="password"
        autoComplete="off"
        required
        value={secret}
        onChange={(e) => setSecret(e.target.value)}
      />
      <TextField
        id="sso-domain"
        label="Allowed email domain (empty: any)"
        value={domain}
        onChange={(e) => setDomain(e.target.value)}
      />
      <SelectField id="sso-role" label="Role of new members" value={role} onChange={setRole}>
        <option value="viewer">viewer</option>
        <option value="developer">developer</option>
        <option value="admin">admin</option>
      </SelectField>
      <ErrorMessage error={save.error ?? remove.error ?? current.error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.busy}>
          Save single sign-on
        </button>
        {config ? (
          <button
            type="button"
            className="danger"
            disabled={remove.busy}
            onClick={() =>
              void remove.run(
                async () => {
                  await api.delete(PATH);
                  onStatus('Single sign-on removed.');
                },
                () => invalidate(PATH),
              )
            }
          >
            Remove single sign-on
          </button>
        ) : null}
      </div>
    </form>
  );
}
