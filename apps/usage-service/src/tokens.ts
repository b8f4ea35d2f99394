/**
 * Injection tokens of the usage-service's own process-wide resources, opened by bootstrap() before
 * Nest starts. Config, logger, NATS connection and instance id use service-kit's `SERVICE_*`.
 */
export const DATA_SOURCE = Symbol('USAGE_SERVICE_DATA_SOURCE');
export const GEOIP = Symbol('USAGE_SERVICE_GEOIP');
export const METRICS = Symbol('USAGE_SERVICE_METRICS');
