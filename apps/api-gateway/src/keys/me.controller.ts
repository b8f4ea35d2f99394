import { Controller, Get } from '@nestjs/common';
import type { KeyPolicy } from '@plexmcp/contracts';
import { CurrentAuth } from '../auth/auth.decorators.js';
import type { AuthContext } from '../auth/request-context.js';

export interface MeView {
  id: string;
  object: 'api_key';
  organization_id: string;
  mode: KeyPolicy['mode'];
  prefix: string;
  last4: string;
  permissions: KeyPolicy['permissions'];
  scopes: KeyPolicy['scopes'];
  rate_limit: KeyPolicy['rate_limit'];
  usage_limit: KeyPolicy['usage_limit'];
  expires_at: string;
}

/**
 * `GET /v1/me`: the calling key's own metadata, answered from the cached policy — a cached key
 * costs no network round trip here either.
 */
@Controller('v1/me')
export class MeController {
  @Get()
  me(@CurrentAuth() auth: AuthContext): { success: true; data: MeView } {
    const p = auth.policy;
    return {
      success: true,
      data: {
        id: p.key_id,
        object: 'api_key',
        organization_id: p.org_id,
        mode: p.mode,
        prefix: auth.keyPrefix,
        last4: auth.keyLast4,
        permissions: p.permissions,
        scopes: p.scopes,
        rate_limit: p.rate_limit,
        usage_limit: p.usage_limit,
        expires_at: p.expires_at,
      },
    };
  }
}
