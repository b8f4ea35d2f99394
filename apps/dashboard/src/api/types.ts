// Shapes of the gateway's JSON (snake_case, as on the wire). Mirrors @plexmcp/contracts' views;
// kept as plain types so the browser bundle carries no schema library.

export type Mode = 'live' | 'test';
export const SCOPES = [
  'keys:read',
  'keys:write',
  'mcps:read',
  'mcps:write',
  'usage:read',
  'alerts:read',
  'alerts:write',
  'webhooks:read',
  'webhooks:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Session {
  key_id: string;
  organization_id: string;
  prefix: string;
  last4: string;
  mode: Mode;
  scopes: Scope[];
  permissions: { mcps: '*' | string[] };
  usage_limit: UsageLimit | null;
  org_monthly_limit: number | null;
  key_expires_at: string;
  session_expires_at: string;
  csrf_token: string;
}

export interface UsageLimit {
  requests: number;
  period: 'day' | 'month';
}

export interface ApiKey {
  id: string;
  name: string;
  mode: Mode;
  prefix: string;
  last4: string;
  permissions: { mcps: '*' | string[] };
  scopes: Scope[];
  usage_limit: UsageLimit | null;
  status: 'active' | 'revoked' | 'expired';
  expires_at: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  rotated_to: string | null;
}

export interface Mcp {
  id: string;
  name: string;
  mode: Mode;
  upstream_url: string;
  upstream_header_names: string[];
  created_at: string;
  updated_at: string;
}

export type Granularity = 'minute' | 'hour' | 'day';

export interface Usage {
  from: string;
  to: string;
  granularity: Granularity;
  key_id: string | null;
  total_requests: number;
  billable_requests: number;
  errors: { '4xx': number; '5xx': number };
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  series: { start: string; requests: number; billable_requests: number; errors: number }[];
  by_mcp?: { mcp_id: string | null; requests: number }[];
  by_status_class?: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  by_country?: { country: string | null; requests: number }[];
}

export type AlertType = 'error_spike' | 'new_location' | 'request_spike' | 'key_expiring';

export interface Alert {
  id: string;
  key_id: string;
  type: AlertType;
  status: 'open' | 'acknowledged';
  message: string;
  details: Record<string, unknown>;
  created_at: string;
  acknowledged_at: string | null;
}

export const WEBHOOK_EVENTS = [
  'alert.error_spike',
  'alert.new_location',
  'alert.request_spike',
  'alert.key_expiring',
] as const;

export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  created_at: string;
}

export interface WebhookDelivery {
  id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: {
    attempt: number;
    attempted_at: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
  }[];
  next_attempt_at: string | null;
  created_at: string;
}
