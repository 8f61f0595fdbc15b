/**
 * The `lastUpdatedAt` rule shared by orders and shipments: a version is written only when it is
 * newer than the stored one; the same version again is a repeat, an older one is stale.
 */
export type VersionOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/** `created` when nothing is stored, else newer → `updated`, same → `unchanged`, older → `stale`. */
export function compareVersions(stored: Date | undefined, incoming: string): VersionOutcome {
  if (!stored) return 'created';
  const difference = Date.parse(incoming) - stored.getTime();
  return difference > 0 ? 'updated' : difference === 0 ? 'unchanged' : 'stale';
}
