import { Injectable } from '@nestjs/common';
import type { LeakAction, LeakedKey, LeakedKeysReply, LeakedKeysRequest } from '@plexmcp/contracts';
import { ApiKeysRepository } from '../keys/api-keys.repository.js';
import { ApiKeysService } from '../keys/api-keys.service.js';
import { OrganizationsRepository } from '../organizations/organizations.repository.js';

/**
 * Tokens a secret scanner found in public, by hash. A live key that still works is revoked at once
 * (the same revocation as `DELETE /v1/keys/{id}`: every gateway evicts it before this answers);
 * a test key only if its organization opted in (`revoke_leaked_test_keys`), otherwise it is
 * reported and keeps working. The caller raises the `key_leaked` alerts.
 */
@Injectable()
export class LeakedKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly orgs: OrganizationsRepository,
  ) {}

  async handle(request: LeakedKeysRequest): Promise<LeakedKeysReply> {
    const results: LeakedKey[] = [];
    const optIn = new Map<string, boolean>();
    for (const { key_hash } of request.reports) {
      const row = await this.keys.findForValidation(key_hash);
      if (row === null) {
        results.push({ key_hash, key: null, action: 'none' });
        continue;
      }
      const key = { id: row.id, org_id: row.orgId, mode: row.mode };
      let action: LeakAction = 'none';
      if (request.act) {
        const now = new Date();
        // A disabled key could be enabled again: revoke it too.
        if (row.status === 'revoked' || row.status === 'expired' || row.expiresAt <= now)
          action = 'already_inactive';
        else if (row.mode === 'test' && !(await this.testKeysRevoked(row.orgId, optIn))) action = 'reported';
        else {
          await this.apiKeys.revoke(
            { actor: { org_id: row.orgId, key_id: null, ip: null }, id: row.id },
            'leaked',
          );
          action = 'revoked';
        }
      }
      results.push({ key_hash, key, action });
    }
    return { results };
  }

  private async testKeysRevoked(orgId: string, cache: Map<string, boolean>): Promise<boolean> {
    let value = cache.get(orgId);
    if (value === undefined) {
      value = (await this.orgs.findById(orgId))?.revokeLeakedTestKeys ?? false;
      cache.set(orgId, value);
    }
    return value;
  }
}
