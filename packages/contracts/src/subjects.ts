/**
 * Every NATS subject PlexMCP uses. Request/reply subjects are served by a queue group so several
 * instances share the load; `*.events.*` subjects are core-NATS fan-out; `usage.requests.*` is
 * JetStream (stream USAGE_STREAM).
 */
export const Subjects = {
  keys: {
    validate: 'keys.validate',
    create: 'keys.create',
    list: 'keys.list',
    get: 'keys.get',
    update: 'keys.update',
    revoke: 'keys.revoke',
    rotate: 'keys.rotate',
    /** Internal: tokens a secret scanner reported (by hash): which are keys, revoked or reported. */
    leaked: 'keys.leaked',
    /** Internal (usage-service): active keys expiring soon, used or not, for `key_expiring`. */
    expiring: 'keys.expiring',
    health: 'keys.health',
  },
  mcps: {
    create: 'mcps.create',
    list: 'mcps.list',
    get: 'mcps.get',
    update: 'mcps.update',
    delete: 'mcps.delete',
    /** Internal: the routing record (upstream URL and secret headers) the gateway caches. */
    resolve: 'mcps.resolve',
  },
  orgs: {
    create: 'orgs.create',
    get: 'orgs.get',
    update: 'orgs.update',
    list: 'orgs.list',
    /** Operator: make a person a member (new account or existing) with a one-time set-password link. */
    addMember: 'orgs.add_member',
    /** Operator: remove a member; their sessions in the organization end on every gateway. */
    removeMember: 'orgs.remove_member',
  },
  /** The caller's own organization, over the gateway (`/v1/organization`): named by the actor. */
  organization: {
    get: 'organization.get',
    update: 'organization.update',
  },
  audit: {
    list: 'audit.list',
  },
  /** Idempotency-Key records of the gateway's POST routes, shared by every gateway instance. */
  idempotency: {
    begin: 'idempotency.begin',
    complete: 'idempotency.complete',
    release: 'idempotency.release',
  },
  usage: {
    query: 'usage.query',
    health: 'usage.health',
    /** Internal: the current limit blocks, so a starting gateway knows them. */
    blocks: 'usage.blocks',
  },
  /** Core-NATS fan-out of key-service changes: every gateway evicts its cache on these. */
  keyEvents: {
    wildcard: 'keys.events.>',
    revoked: 'keys.events.revoked',
    updated: 'keys.events.updated',
    rotated: 'keys.events.rotated',
    expired: 'keys.events.expired',
    orgUpdated: 'keys.events.org_updated',
    mcpUpdated: 'keys.events.mcp_updated',
    /** Dashboard sessions ended (sign-out, sign-out everywhere, membership removed or changed). */
    sessionsRevoked: 'keys.events.sessions_revoked',
  },
  /** Gateways announce themselves so the key-service knows how many acks a revoke must gather. */
  gateway: {
    heartbeat: 'gateway.heartbeat',
  },
  usageEvents: {
    wildcard: 'usage.events.>',
    limitReached: 'usage.events.limit_reached',
    limitCleared: 'usage.events.limit_cleared',
  },
  /**
   * JetStream: request usage. `recorded` carries a gateway's `request.tally` report (msgID =
   * batch_id), a `request.batch` of events or a single `request.recorded` event (msgID =
   * event_id); see `requestMessageSchema`.
   */
  usageRequests: {
    wildcard: 'usage.requests.>',
    recorded: 'usage.requests.recorded',
  },
} as const;

export const QueueGroups = {
  keyService: 'key-service',
  usageService: 'usage-service',
} as const;

export const USAGE_STREAM = 'USAGE';
export const USAGE_CONSUMER = 'usage-service';

/**
 * The JetStream stream the usage-service (consumer) ensures at start-up with these settings (and
 * `USAGE_STREAM_REPLICAS` copies); gateways only publish into it. The duplicate window is what makes a re-published message (same
 * msgID = batch_id, or event_id for a single event) a no-op; the usage-service also de-duplicates on event_id in Postgres.
 */
export const USAGE_STREAM_SETTINGS = {
  name: USAGE_STREAM,
  subjects: [Subjects.usageRequests.wildcard],
  duplicateWindowMs: 10 * 60_000,
  maxAgeMs: 7 * 24 * 3_600_000,
} as const;
