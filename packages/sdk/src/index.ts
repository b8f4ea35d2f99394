export { PlexMCP, DEFAULT_BASE_URL, type PlexMCPOptions } from './client.js';
export * from './errors.js';
export { verifyWebhook, signWebhook, WebhookVerificationError, type WebhookHeaders } from './webhooks.js';
export { PagePromise, type Page } from './pagination.js';
export type * from './types.js';
export type { CallOptions } from './http.js';
