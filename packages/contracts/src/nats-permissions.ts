import { IdentitySubjects } from './identity.schema.js';
import { MemberSubjects } from './members.schema.js';
import { OidcSubjects } from './oidc.schema.js';
import { SecretsSubjects } from './secrets.schema.js';
import { Subjects, USAGE_CONSUMER, USAGE_STREAM } from './subjects.js';
import { UsageSubjects } from './usage-subjects.js';

/**
 * The identities that connect to NATS, each with a NATS user of its own: the three services and
 * `ops`, the operator's CLI (`plexmcp`).
 */
export const NatsRoles = ['gateway', 'key-service', 'usage-service', 'ops'] as const;
export type NatsRole = (typeof NatsRoles)[number];

/**
 * Where a role's replies arrive: every connection of a role creates its inboxes under
 * `_INBOX.<role>.`, and only that role may subscribe there, so no other user can read the replies
 * it gets (a key-validation answer, an MCP's upstream headers, a new organization's admin key).
 */
export function natsInboxPrefix(role: NatsRole): string {
  return `_INBOX.${role}`;
}

/** What one NATS user may publish and subscribe to (nats-server `permissions` block). */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May answer the requests it received (one reply each, to their reply subject). */
  allowResponses: boolean;
}

const values = (group: Record<string, string>) => Object.values(group);

/** Request/reply subjects served by the key-service's queue group. */
const keyServiceRpc = [
  ...values({ ...Subjects.keys }),
  ...values({ ...Subjects.mcps }),
  ...values({ ...Subjects.orgs }),
  ...values({ ...Subjects.organization }),
  ...values({ ...MemberSubjects }),
  ...values({ ...Subjects.audit }),
  ...values({ ...IdentitySubjects }),
  ...values({ ...OidcSubjects }),
  ...values({ ...Subjects.idempotency }),
  SecretsSubjects.mcpHeaders,
  SecretsSubjects.idempotencyResponses,
  SecretsSubjects.oidcClientSecrets,
  SecretsSubjects.totpSeeds,
];

/** Request/reply subjects served by the usage-service's queue group. */
const usageServiceRpc = [
  ...values({ ...Subjects.usage }),
  ...values({ ...UsageSubjects.alerts }),
  ...values({ ...UsageSubjects.webhooks }),
  SecretsSubjects.webhookSecrets,
];

/**
 * What the gateway's routes call: every key and MCP route, the caller's own organization, audit,
 * usage, alerts, webhooks.
 */
const gatewayRequests = [
  Subjects.keys.validate,
  Subjects.keys.health,
  Subjects.keys.create,
  Subjects.keys.list,
  Subjects.keys.get,
  Subjects.keys.update,
  Subjects.keys.revoke,
  Subjects.keys.rotate,
  Subjects.keys.leaked,
  ...values({ ...Subjects.mcps }),
  ...values({ ...Subjects.organization }),
  ...values({ ...MemberSubjects }),
  Subjects.audit.list,
  ...values({ ...IdentitySubjects }),
  ...values({ ...OidcSubjects }),
  ...values({ ...Subjects.idempotency }),
  ...values({ ...Subjects.usage }),
  ...values({ ...UsageSubjects.alerts }),
  ...values({ ...UsageSubjects.webhooks }),
];

/**
 * The operator's commands: organizations, an organization's keys (create, list, revoke — e.g. a
 * leaked one) and re-encryption of the secrets at rest.
 */
const opsRequests = [
  ...values({ ...Subjects.orgs }),
  Subjects.keys.create,
  Subjects.keys.list,
  Subjects.keys.revoke,
  SecretsSubjects.mcpHeaders,
  SecretsSubjects.idempotencyResponses,
  SecretsSubjects.oidcClientSecrets,
  SecretsSubjects.totpSeeds,
  SecretsSubjects.webhookSecrets,
];

/** JetStream API subjects the usage-service uses to manage the USAGE stream and its consumer. */
const usageStreamManagement = [
  '$JS.API.INFO',
  `$JS.API.STREAM.INFO.${USAGE_STREAM}`,
  `$JS.API.STREAM.CREATE.${USAGE_STREAM}`,
  `$JS.API.STREAM.UPDATE.${USAGE_STREAM}`,
  `$JS.API.CONSUMER.INFO.${USAGE_STREAM}.${USAGE_CONSUMER}`,
  `$JS.API.CONSUMER.CREATE.${USAGE_STREAM}.${USAGE_CONSUMER}`,
  `$JS.API.CONSUMER.CREATE.${USAGE_STREAM}.${USAGE_CONSUMER}.>`,
  `$JS.API.CONSUMER.DURABLE.CREATE.${USAGE_STREAM}.${USAGE_CONSUMER}`,
  `$JS.API.CONSUMER.MSG.NEXT.${USAGE_STREAM}.${USAGE_CONSUMER}`,
  `$JS.ACK.${USAGE_STREAM}.${USAGE_CONSUMER}.>`,
];

/**
 * Every role's NATS permissions, derived from the subjects above (the only place subjects live),
 * so the server configuration cannot drift from the code. The rules they encode:
 * - only the key-service subscribes to (answers) `keys.*`, `mcps.*`, `orgs.*`, `audit.*`; only the
 *   usage-service answers `usage.*`, `alerts.*`, `webhooks.*`;
 * - the gateway requests only what its routes need — never `orgs.*` — and publishes usage events
 *   into JetStream without managing the stream;
 * - only `ops` creates or changes organizations and re-encrypts secrets;
 * - each role reads replies only under its own inbox prefix (`natsInboxPrefix`).
 */
export function natsPermissions(): Record<NatsRole, NatsPermissions> {
  const inbox = (role: NatsRole) => `${natsInboxPrefix(role)}.>`;
  return {
    gateway: {
      publish: [...gatewayRequests, Subjects.gateway.heartbeat, Subjects.usageRequests.recorded],
      subscribe: [Subjects.keyEvents.wildcard, Subjects.usageEvents.wildcard, inbox('gateway')],
      // Acknowledges key events (the key-service gathers one reply per live gateway).
      allowResponses: true,
    },
    'key-service': {
      publish: [Subjects.keyEvents.wildcard],
      subscribe: [...keyServiceRpc, Subjects.gateway.heartbeat, UsageSubjects.keysUsed, inbox('key-service')],
      allowResponses: true,
    },
    'usage-service': {
      publish: [
        Subjects.usageEvents.wildcard,
        UsageSubjects.keysUsed,
        Subjects.keys.expiring,
        ...usageStreamManagement,
      ],
      subscribe: [...usageServiceRpc, inbox('usage-service')],
      allowResponses: true,
    },
    ops: {
      publish: opsRequests,
      subscribe: [inbox('ops')],
      allowResponses: false,
    },
  };
}
