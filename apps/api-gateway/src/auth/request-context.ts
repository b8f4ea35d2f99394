import type { ErrorCode, KeyPolicy } from '@plexmcp/contracts';

/** What the authentication hook learned about the caller; read by guards, controllers and events. */
export interface AuthContext {
  readonly policy: KeyPolicy;
  /** SHA-256 of the key (the cache key); never the key itself. */
  readonly keyHash: string;
  /** `pk_live_AbCd` and the last 4 characters: what the dashboard shows, not secret. */
  readonly keyPrefix: string;
  readonly keyLast4: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
    /** Set once the key is known and active (also when a later check refuses the request). */
    auth: AuthContext | null;
    clientIp: string | null;
    /** The MCP this request is about, for the usage event. */
    mcpId: string | null;
    /** The tool a `tools/call` to the MCP endpoint named (`''`: none), for the usage event. */
    toolName: string | null;
    receivedAt: number;
    /** The code of the error envelope the gateway itself answered with, for the usage event. */
    errorCode: ErrorCode | null;
    /** What lay behind that error (a NATS timeout behind a 503): logged, never sent. */
    errorCause: unknown;
  }
  interface FastifyContextConfig {
    /** The MCP Streamable HTTP route: 401/403 carry `WWW-Authenticate`. */
    mcpProxy?: boolean;
    /**
     * The route writes its answers' heads itself and stamps every answer with `AnswerHeaders`
     * (common/security-headers.ts), its Fastify-sent ones in its own `onSend`: the auth hook
     * leaves them to it.
     */
    writesOwnHead?: boolean;
  }
}
