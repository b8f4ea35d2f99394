export * from './child-process.js';
export * from './embedded-postgres.js';
export * from './nats-cluster.js';
export * from './receivers.js';
export * from './repo.js';
export * from './report.js';
export * from './services.js';
export * from './traffic.js';
