/**
 * Keys, organizations and MCPs take their `version` from one sequence on every change, so any two
 * versions compare: a cached answer older than an eviction event has a smaller version.
 */
export function nextVersionSql(schema: string): string {
  return `nextval('"${schema}"."policy_version_seq"'::regclass)`;
}
