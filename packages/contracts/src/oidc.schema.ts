import { z } from 'zod';
import { actorRequestSchema, isoDateSchema, noNul, orgIdSchema, roleSchema } from './common.schema.js';
import { credentialHashSchema, emailSchema } from './identity.schema.js';
import { upstreamUrlSchema } from './mcps.schema.js';

/**
 * Single sign-on per organization over OpenID Connect. Its owners set the provider
 * (`/v1/organization/oidc`); the client secret is write-only and sealed at rest. The gateway runs
 * the authorization-code flow (state, nonce, PKCE) and hands the key-service only the provider's
 * verified email; the key-service decides who that is, and opens the session.
 */
export const OidcSubjects = {
  get: 'organization.oidc.get',
  put: 'organization.oidc.put',
  remove: 'organization.oidc.remove',
  /** Gateway only: an organization's provider and client, secret included, to run the flow. */
  client: 'identity.oidc_client',
  /** Gateway only: a verified email from the organization's provider becomes a session. */
  signIn: 'identity.oidc_sign_in',
} as const;

/** A bare domain (`example.com`), lower-cased. */
export const emailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'must be a domain like example.com',
  );

/** Body of `PUT /v1/organization/oidc`. */
export const oidcConfigBodySchema = z.strictObject({
  issuer: upstreamUrlSchema,
  client_id: z.string().trim().min(1).max(255).check(noNul),
  client_secret: z.string().min(1).max(1024).check(noNul),
  allowed_email_domain: emailDomainSchema.nullable().default(null),
  default_role: roleSchema.exclude(['owner']).default('viewer'),
});
export type OidcConfigBody = z.infer<typeof oidcConfigBodySchema>;

/** What is shown of the configuration: never the client secret. */
export const oidcConfigViewSchema = z.object({
  object: z.literal('oidc_config'),
  organization_id: orgIdSchema,
  issuer: z.string(),
  client_id: z.string(),
  client_secret_set: z.literal(true),
  allowed_email_domain: z.string().nullable(),
  default_role: roleSchema,
  updated_at: isoDateSchema,
});
export type OidcConfigView = z.infer<typeof oidcConfigViewSchema>;

export const getOidcConfigRequestSchema = actorRequestSchema({});
export type GetOidcConfigRequest = z.infer<typeof getOidcConfigRequestSchema>;
export const putOidcConfigRequestSchema = actorRequestSchema({ body: oidcConfigBodySchema });
export type PutOidcConfigRequest = z.infer<typeof putOidcConfigRequestSchema>;
export const oidcRemovedSchema = z.object({ removed: z.boolean() });

export const oidcClientRequestSchema = z.strictObject({ org_id: orgIdSchema });
export const oidcClientSchema = z.object({
  issuer: z.string(),
  client_id: z.string(),
  client_secret: z.string(),
});
export type OidcClient = z.infer<typeof oidcClientSchema>;

export const oidcSignInRequestSchema = z.strictObject({
  org_id: orgIdSchema,
  /** The ID token's `email`, which the provider marked `email_verified`. */
  email: emailSchema,
  session_hash: credentialHashSchema,
  ip: z.string().max(64).nullable(),
  user_agent: z.string().max(512).nullable(),
});
export type OidcSignInRequest = z.infer<typeof oidcSignInRequestSchema>;
