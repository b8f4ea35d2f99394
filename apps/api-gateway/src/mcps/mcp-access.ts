import { AppError, ErrorCode, type McpRoute, decide, idPattern, IdPrefix } from '@plexmcp/contracts';
import type { AuthContext } from '../auth/request-context.js';

const MCP_ID = idPattern(IdPrefix.Mcp);

export function isMcpId(value: string): boolean {
  return MCP_ID.test(value);
}

/**
 * May this key use this MCP? Null when allowed; otherwise the error to answer: 404 for a missing
 * MCP or another organization's, 403 when the key lacks it or is a test key on a live MCP.
 */
export function mcpAccessError(
  auth: AuthContext,
  route: McpRoute | null,
  clientIp: string | null,
  now: number,
): AppError | null {
  if (route === null) return new AppError(ErrorCode.NotFound);
  const verdict = decide({
    status: 'active',
    policy: auth.policy,
    target: { kind: 'mcp', mcp: { id: route.id, org_id: route.org_id, mode: route.mode } },
    clientIp,
    now,
  });
  if (verdict.allow) return null;
  if (verdict.status === 404) return new AppError(ErrorCode.NotFound);
  if (verdict.status === 401) return new AppError(ErrorCode.Unauthorized, verdict.message);
  return new AppError(ErrorCode.Forbidden, verdict.message);
}
