import {
  alertViewSchema,
  createWebhookBodySchema,
  listAlertsQuerySchema,
  paginationQuerySchema,
  usageQuerySchema,
  usageReplySchema,
  webhookDeliveryViewSchema,
  webhookViewSchema,
} from '@plexmcp/contracts';
import { z } from 'zod';
import type { RouteDoc } from './openapi.js';

/** The usage, alert and webhook routes (served by the usage-service behind the gateway). */
export const USAGE_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/usage',
    summary:
      "The organization's usage (from/to default to the last hour, day or 30 days by granularity). total_requests counts every authenticated request; billable_requests only live-key calls of the MCP endpoint, which is what usage limits meter. Live data: never for a test key",
    scope: 'usage:read',
    query: usageQuerySchema,
    data: usageReplySchema,
  },
  {
    method: 'get',
    path: '/v1/keys/{id}/usage',
    summary: "One key's usage",
    scope: 'usage:read',
    query: usageQuerySchema,
    data: usageReplySchema,
  },
  {
    method: 'get',
    path: '/v1/alerts',
    summary: 'Anomaly alerts, newest first',
    scope: 'alerts:read',
    query: listAlertsQuerySchema,
    data: alertViewSchema,
    list: true,
  },
  {
    method: 'post',
    path: '/v1/alerts/{id}/ack',
    summary: 'Acknowledge an alert',
    scope: 'alerts:write',
    data: alertViewSchema,
  },
  {
    method: 'post',
    path: '/v1/webhooks',
    summary: 'Create an alert webhook (the signing secret is returned once)',
    scope: 'webhooks:write',
    body: createWebhookBodySchema,
    data: webhookViewSchema.extend({ secret: z.string().describe('whsec_…, shown only once.') }),
    status: 201,
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    summary: "The organization's webhooks",
    scope: 'webhooks:read',
    query: paginationQuerySchema,
    data: webhookViewSchema,
    list: true,
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    summary: 'Delete a webhook',
    scope: 'webhooks:write',
    data: webhookViewSchema,
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}/deliveries',
    summary: 'Deliveries of a webhook with every attempt',
    scope: 'webhooks:read',
    query: paginationQuerySchema,
    data: webhookDeliveryViewSchema,
    list: true,
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    summary: 'Queue a signed webhook.test delivery',
    scope: 'webhooks:write',
    data: webhookDeliveryViewSchema,
    status: 202,
  },
];
