/**
 * Keys, organizations and MCPs take their `version` from one sequence on every change; change
 * events carry it. Drawn when a row is written, not when its transaction commits, so versions do
 * not order what readers see: caches evict on every event rather than compare them.
 */
export function nextVersionSql(schema: string): string {
  return `nextval('"${schema}"."policy_version_seq"'::regclass)`;
}
