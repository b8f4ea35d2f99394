import { ROLES, type Role } from '../api/types';

/** Roles from strongest to weakest: `held` may do what `needed` may. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) <= ROLES.indexOf(needed);
}

/** The roles someone holding `role` may hand out: an admin never makes owners. */
export function grantableRoles(role: Role): Role[] {
  return ROLES.filter((r) => r !== 'owner' || role === 'owner');
}

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  owner: 'Owner — everything, organization settings',
  admin: 'Admin — keys, MCPs, webhooks, members',
  developer: 'Developer — keys within their grant, reads the rest',
  viewer: 'Viewer — read only',
};
