import { AppError, ErrorCode, type KeyPolicy, type Permissions, type Scope } from '@plexmcp/contracts';

/**
 * A key may only hand out what it has itself: no scope it lacks, no MCP outside its own
 * permissions, and a test key cannot create live keys. Otherwise a narrowly scoped `keys:write`
 * key could mint an all-powerful one. Violations are 403 `forbidden`.
 */
export function assertNoEscalation(
  caller: KeyPolicy,
  request: {
    scopes?: readonly Scope[] | undefined;
    permissions?: Permissions | undefined;
    mode?: 'live' | 'test' | undefined;
  },
): void {
  if (request.mode === 'live' && caller.mode === 'test') {
    throw new AppError(ErrorCode.Forbidden, 'A test key cannot create live keys');
  }
  if (request.scopes !== undefined) {
    const missing = request.scopes.filter((s) => !caller.scopes.includes(s));
    if (missing.length > 0) {
      throw new AppError(
        ErrorCode.Forbidden,
        `API key cannot grant scopes it does not have: ${missing.join(', ')}`,
      );
    }
  }
  if (request.permissions !== undefined && caller.permissions.mcps !== '*') {
    const own = caller.permissions.mcps;
    const wanted = request.permissions.mcps;
    if (wanted === '*' || wanted.some((id) => !own.includes(id))) {
      throw new AppError(ErrorCode.Forbidden, 'API key cannot grant access to MCPs it does not have');
    }
  }
}
