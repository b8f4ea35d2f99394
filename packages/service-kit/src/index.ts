export * from './config.js';
export * from './logger.js';
export * from './nats.js';
export * from './rpc-server.js';
export * from './database.js';
export * from './microservice.js';
export * from './draining-server-nats.js';
export * from './usage-stream.js';
