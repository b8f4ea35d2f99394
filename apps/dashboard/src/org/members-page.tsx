import { useState } from 'react';
import { api } from '../api/client';
import type { Invitation, Member, Role, Session } from '../api/types';
import { DataTable } from '../components/data-table';
import { ErrorMessage } from '../components/error-message';
import { Options, SelectField, TextField } from '../components/fields';
import { formatDate } from '../components/format';
import { FormActions } from '../components/form-actions';
import { ConfirmModal, Modal } from '../components/modal';
import { Page } from '../components/page';
import { useAction, useConfirm, useSubmit } from '../components/use-action';
import { useInvalidate, useList } from '../components/queries';
import { ROLE_LABELS, grantableRoles, roleAtLeast } from './roles';

function InviteForm({
  role,
  onInvited,
  onClose,
}: {
  role: Role;
  onInvited: (email: string) => void;
  onClose: () => void;
}) {
  const roles = grantableRoles(role);
  const [email, setEmail] = useState('');
  const [invitedRole, setInvitedRole] = useState<Role>('developer');
  const invite = useSubmit(async () => {
    await api.post<Invitation>('/v1/invitations', { email, role: invitedRole });
    onInvited(email);
  });
  return (
    <Modal title="Invite a person" onClose={onClose}>
      <form className="form" onSubmit={invite.onSubmit}>
        <TextField
          id="invite-email"
          label="Email"
          type="email"
          required
          maxLength={254}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <SelectField id="invite-role" label="Role" value={invitedRole} onChange={setInvitedRole}>
          <Options of={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))} />
        </SelectField>
        <p className="muted">They get a one-time link by email, valid for 7 days.</p>
        <FormActions
          error={invite.error}
          busy={invite.busy}
          submitLabel="Send invitation"
          onCancel={onClose}
        />
      </form>
    </Modal>
  );
}

function RoleForm({
  member,
  role,
  onClose,
  onChanged,
}: {
  member: Member;
  role: Role;
  onClose: () => void;
  onChanged: () => void;
}) {
  const [next, setNext] = useState<Role>(member.role);
  const change = useSubmit(async () => {
    await api.patch<Member>(`/v1/members/${member.user_id}`, { role: next });
    onChanged();
  });
  return (
    <Modal title={`Change the role of ${member.email}`} onClose={onClose}>
      <form className="form" onSubmit={change.onSubmit}>
        <SelectField id="member-role" label="Role" value={next} onChange={setNext}>
          <Options of={grantableRoles(role).map((r) => ({ value: r, label: ROLE_LABELS[r] }))} />
        </SelectField>
        <p className="muted">The new role applies to their next request.</p>
        <FormActions error={change.error} busy={change.busy} submitLabel="Change role" onCancel={onClose} />
      </form>
    </Modal>
  );
}

/** Invitations sent (admins and owners only): revoke a pending one. */
function Invitations({ role }: { role: Role }) {
  const invitations = useList<Invitation>('/v1/invitations');
  const action = useAction();
  const invalidate = useInvalidate();
  const revoking = useConfirm<Invitation>(action, () => invalidate('/v1/invitations'));
  return (
    <section aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <ErrorMessage error={action.error ?? invitations.error} />
      <DataTable
        caption="Invitations sent"
        rows={invitations.data}
        rowKey={(i) => i.id}
        empty="No invitations."
        columns={[
          { header: 'Email', className: 'wrap', cell: (i) => i.email },
          { header: 'Role', cell: (i) => i.role },
          { header: 'Status', cell: (i) => i.status },
          { header: 'Invited by', cell: (i) => i.invited_by.display },
          { header: 'Expires', cell: (i) => formatDate(i.expires_at) },
        ]}
        actions={(i) =>
          i.status === 'pending' && (i.role !== 'owner' || role === 'owner') ? (
            <button type="button" className="danger" onClick={() => revoking.ask(i)}>
              Revoke
            </button>
          ) : null
        }
      />
      {revoking.target ? (
        <ConfirmModal
          title="Revoke this invitation?"
          message={`The link sent to ${revoking.target.email} stops working.`}
          confirmLabel="Revoke invitation"
          busy={action.busy}
          onClose={revoking.cancel}
          onConfirm={revoking.confirm(async (i) => {
            await api.delete(`/v1/invitations/${i.id}`);
          })}
        />
      ) : null}
    </section>
  );
}

/**
 * Members and invitations. Everyone sees who is in the organization; admins and owners invite,
 * change roles and remove (owners only where owners are concerned). The buttons someone may not use
 * are not shown — and the gateway refuses them anyway.
 */
export function MembersPage({ session }: { session: Session }) {
  const role = session.account?.role ?? null;
  const manages = role !== null && roleAtLeast(role, 'admin');
  const members = useList<Member>('/v1/members');
  const [inviting, setInviting] = useState(false);
  const [editing, setEditing] = useState<Member | null>(null);
  const [status, setStatus] = useState('');
  const action = useAction();
  const invalidate = useInvalidate();
  const removing = useConfirm<Member>(action, () => invalidate('/v1/members'));
  const mayTouch = (m: Member) =>
    manages &&
    role !== null &&
    (m.role !== 'owner' || role === 'owner') &&
    m.user_id !== session.account?.user.id;

  return (
    <Page
      name="members"
      title="Members"
      action={
        manages ? (
          <button type="button" className="primary" onClick={() => setInviting(true)}>
            Invite
          </button>
        ) : null
      }
      status={status}
      error={action.error ?? members.error}
      refreshError={members.refreshError}
    >
      <DataTable
        caption="People in this organization"
        rows={members.data}
        rowKey={(m) => m.user_id}
        empty="No members."
        columns={[
          { header: 'Email', className: 'wrap', cell: (m) => m.email },
          { header: 'Role', cell: (m) => m.role },
          { header: 'Two-step sign-in', cell: (m) => (m.totp_enabled ? 'on' : 'off') },
          { header: 'Joined', cell: (m) => formatDate(m.joined_at) },
        ]}
        actions={(m) =>
          mayTouch(m) ? (
            <>
              <button type="button" onClick={() => setEditing(m)}>
                Change role
              </button>
              <button type="button" className="danger" onClick={() => removing.ask(m)}>
                Remove
              </button>
            </>
          ) : null
        }
      />
      {manages && role !== null ? <Invitations role={role} /> : null}
      {inviting && role !== null ? (
        <InviteForm
          role={role}
          onClose={() => setInviting(false)}
          onInvited={(email) => {
            setInviting(false);
            setStatus(`Invitation sent to ${email}.`);
            void invalidate('/v1/invitations');
          }}
        />
      ) : null}
      {editing && role !== null ? (
        <RoleForm
          member={editing}
          role={role}
          onClose={() => setEditing(null)}
          onChanged={() => {
            setStatus(`${editing.email}'s role changed.`);
            setEditing(null);
            void invalidate('/v1/members');
          }}
        />
      ) : null}
      {removing.target ? (
        <ConfirmModal
          title="Remove this member?"
          message={`${removing.target.email} loses access to this organization at once and is signed out of it everywhere.`}
          confirmLabel="Remove member"
          busy={action.busy}
          onClose={removing.cancel}
          onConfirm={removing.confirm(async (m) => {
            await api.delete(`/v1/members/${m.user_id}`);
            setStatus(`${m.email} was removed.`);
          })}
        />
      ) : null}
    </Page>
  );
}
