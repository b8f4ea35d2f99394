import { Subjects, healthReplySchema } from '@plexmcp/contracts';
import type { GatewayRuntime } from '../gateway-runtime.js';

export interface Readiness {
  ready: boolean;
  checks: { nats: boolean; key_service: boolean; usage_service: boolean };
}

/**
 * Ready means: NATS connected, and both the key-service (`keys.health`) and the usage-service
 * (`usage.health`) answer within READY_CHECK_TIMEOUT_MS. A stopped service has no responders,
 * which fails at once rather than after the timeout.
 */
export async function checkReadiness(runtime: GatewayRuntime): Promise<Readiness> {
  const nats = runtime.lifecycle.connected;
  const probe = async (subject: string): Promise<boolean> => {
    if (!nats) return false;
    try {
      const reply = await runtime.rpc.call(subject, {}, healthReplySchema, {
        timeoutMs: runtime.config.READY_CHECK_TIMEOUT_MS,
      });
      return reply.status === 'ok';
    } catch {
      return false;
    }
  };
  const [keyService, usageService] = await Promise.all([
    probe(Subjects.keys.health),
    probe(Subjects.usage.health),
  ]);
  return {
    ready: nats && keyService && usageService,
    checks: { nats, key_service: keyService, usage_service: usageService },
  };
}
