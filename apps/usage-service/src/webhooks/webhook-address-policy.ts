import { OutboundAddressPolicy } from '@plexmcp/contracts';
import type { UsageServiceConfig } from '../config.js';

/**
 * Which addresses webhook deliveries may reach: public unicast only, or — with
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true — private and loopback too. Link-local and cloud metadata
 * addresses never (see `FORBIDDEN_OUTBOUND_NETWORKS`).
 */
export function webhookAddressPolicy(
  config: Pick<UsageServiceConfig, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'>,
): OutboundAddressPolicy {
  return config.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    ? OutboundAddressPolicy.allowingAll()
    : new OutboundAddressPolicy();
}
