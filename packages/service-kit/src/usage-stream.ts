import type { JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { USAGE_STREAM_SETTINGS } from '@plexmcp/contracts';

/**
 * Creates the USAGE JetStream stream if it is missing, with the one set of settings from contracts.
 * The gateway (publisher) and the usage-service (consumer) both call it at start-up, so whichever
 * starts first creates it. Returns true when this call created the stream.
 */
export async function ensureUsageStream(jsm: JetStreamManager): Promise<boolean> {
  const config = {
    name: USAGE_STREAM_SETTINGS.name,
    subjects: [...USAGE_STREAM_SETTINGS.subjects],
    duplicate_window: nanos(USAGE_STREAM_SETTINGS.duplicateWindowMs),
    max_age: nanos(USAGE_STREAM_SETTINGS.maxAgeMs),
  };
  try {
    await jsm.streams.info(config.name);
    return false;
  } catch {
    try {
      await jsm.streams.add(config);
      return true;
    } catch (err) {
      // Another process may have created it in between: fine as long as it exists now.
      await jsm.streams.info(config.name).catch(() => {
        throw err;
      });
      return false;
    }
  }
}
