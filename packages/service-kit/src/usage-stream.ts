import type { JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { USAGE_STREAM_SETTINGS } from '@plexmcp/contracts';

export interface UsageStreamOptions {
  /**
   * `USAGE_STREAM_REPLICAS`: copies of the stream kept on distinct servers of a NATS cluster (1 on a
   * single server, 3 on a three-node cluster, so a node can be lost without losing events).
   */
  replicas?: number;
}

/**
 * Creates the USAGE JetStream stream if it is missing, with the one set of settings from contracts
 * and `replicas` copies; a stream with another replica count is updated to it. The usage-service
 * (the stream's manager) calls it at start-up; gateways only publish into it. Returns true when
 * this call created the stream.
 */
export async function ensureUsageStream(
  jsm: JetStreamManager,
  options: UsageStreamOptions = {},
): Promise<boolean> {
  const replicas = options.replicas ?? 1;
  const config = {
    name: USAGE_STREAM_SETTINGS.name,
    subjects: [...USAGE_STREAM_SETTINGS.subjects],
    duplicate_window: nanos(USAGE_STREAM_SETTINGS.duplicateWindowMs),
    max_age: nanos(USAGE_STREAM_SETTINGS.maxAgeMs),
    num_replicas: replicas,
  };
  let existing;
  try {
    existing = await jsm.streams.info(config.name);
  } catch {
    try {
      await jsm.streams.add(config);
      return true;
    } catch (err) {
      // Another process may have created it in between: fine as long as it exists now.
      existing = await jsm.streams.info(config.name).catch(() => {
        throw err;
      });
    }
  }
  if (existing.config.num_replicas !== replicas) {
    await jsm.streams.update(config.name, { ...existing.config, num_replicas: replicas });
  }
  return false;
}
