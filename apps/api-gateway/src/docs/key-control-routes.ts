import {
  alertThresholdsViewSchema,
  secretScanningReportSchema,
  updateAlertThresholdsBodySchema,
} from '@plexmcp/contracts';
import type { RouteDoc } from './openapi.js';

/** Per-organization alert thresholds and the secret-scanning report endpoints. */
export const KEY_CONTROL_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/v1/alerts/thresholds',
    summary: "The organization's anomaly thresholds: those in force and its own overrides",
    scope: 'alerts:read',
    data: alertThresholdsViewSchema,
  },
  {
    method: 'put',
    path: '/v1/alerts/thresholds',
    summary: "Override anomaly thresholds for the organization's keys (null restores a default)",
    scope: 'alerts:write',
    body: updateAlertThresholdsBodySchema,
    data: alertThresholdsViewSchema,
  },
  {
    method: 'post',
    path: '/v1/secret-scanning/verify',
    summary:
      'Secret scanner report (GitHub partner format, ECDSA-signed: Github-Public-Key-Identifier / Github-Public-Key-Signature): which tokens are PlexMCP keys',
    scope: 'none',
    body: secretScanningReportSchema,
    raw: 'application/json array of {token_hash, token_type, label, action}',
  },
  {
    method: 'post',
    path: '/v1/secret-scanning/revoke',
    summary:
      'Secret scanner report (signed as verify): live keys revoked at once, test keys on opt-in, key_leaked alerts raised',
    scope: 'none',
    body: secretScanningReportSchema,
    raw: 'application/json array of {token_hash, token_type, label, action}',
  },
];
