import { Inject, Injectable } from '@nestjs/common';
import { AppError, ErrorCode, OutboundAddressPolicy } from '@plexmcp/contracts';
import { SERVICE_CONFIG, checkOutboundUrl } from '@plexmcp/service-kit';
import type { KeyServiceConfig } from '../config.js';

const PRIVATE =
  'upstream_url resolves to a private or loopback address; allow it with MCP_UPSTREAM_ALLOWED_NETWORKS';
const FORBIDDEN =
  'upstream_url resolves to a link-local or cloud metadata address, which MCP_UPSTREAM_ALLOWED_NETWORKS cannot allow';

/**
 * Where an MCP's upstream may point: public unicast addresses, and the networks of
 * MCP_UPSTREAM_ALLOWED_NETWORKS; never link-local or metadata addresses. Checked here when an MCP
 * is created or updated (so every caller, HTTP or NATS, is covered), and again by the gateway on
 * each upstream connection. A name that does not resolve from here is accepted: the gateway may
 * see other DNS, and it checks the address it connects to.
 */
@Injectable()
export class UpstreamUrlPolicy {
  private readonly addresses: OutboundAddressPolicy;

  constructor(@Inject(SERVICE_CONFIG) config: Pick<KeyServiceConfig, 'MCP_UPSTREAM_ALLOWED_NETWORKS'>) {
    this.addresses = new OutboundAddressPolicy(config.MCP_UPSTREAM_ALLOWED_NETWORKS);
  }

  /** Throws a 400 `validation_error` naming MCP_UPSTREAM_ALLOWED_NETWORKS for a refused URL. */
  async assertAllowed(upstreamUrl: string): Promise<void> {
    const check = await checkOutboundUrl(new URL(upstreamUrl), this.addresses);
    if (check.ok || check.reason === 'unresolvable') return;
    const message = check.reason === 'forbidden' ? FORBIDDEN : PRIVATE;
    throw new AppError(ErrorCode.ValidationError, message, {
      details: [{ field: 'upstream_url', message }],
    });
  }
}
