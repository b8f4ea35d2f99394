/** Injection tokens of the process-wide resources bootstrap() opens before Nest starts. */
export const CONFIG = 'USAGE_SERVICE_CONFIG';
export const LOGGER = 'USAGE_SERVICE_LOGGER';
export const DATA_SOURCE = 'USAGE_SERVICE_DATA_SOURCE';
export const NATS_CONNECTION = 'USAGE_SERVICE_NATS_CONNECTION';
export const GEOIP = 'USAGE_SERVICE_GEOIP';
export const INSTANCE_ID = 'USAGE_SERVICE_INSTANCE_ID';
export const METRICS = 'USAGE_SERVICE_METRICS';
