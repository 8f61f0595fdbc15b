import type { PoolClient } from 'pg';
import type { EventContext } from '../changes/change-recorder';
import type { EntityLocks } from './entity-locks';
import type { BatchScope, BatchSession } from './event-applier';

/** A batch session that applies snapshots of one kind (orders, shipments) and writes them at its flush. */
export interface SnapshotSession<Snapshot, Outcome> extends BatchSession {
  /** Tells the session what its preload is to read for this snapshot. */
  plan(snapshot: Snapshot): void;
  /** Resolves the snapshot's versions; the outcome is complete once the session has flushed. */
  apply(snapshot: Snapshot, context: EventContext): Promise<Outcome>;
}

/**
 * The writer of one snapshot: through the batch's session of its kind when given a batch scope
 * (the batch holds the locks and flushes), else on its own with `applyAlone` (which takes its
 * locks and flushes in the caller's transaction).
 */
export function snapshotWriter<Snapshot, Outcome, Result>(spec: {
  snapshot: Snapshot;
  context: EventContext;
  locks: EntityLocks;
  sessionOf: (scope: BatchScope) => SnapshotSession<Snapshot, Outcome>;
  applyAlone: (client: PoolClient) => Promise<Outcome>;
  result: (outcome: Outcome) => Result;
}) {
  const { snapshot, context, sessionOf, applyAlone, result } = spec;
  const plan = (scope: BatchScope) => sessionOf(scope).plan(snapshot);
  const write = async (client: PoolClient, scope?: BatchScope): Promise<Result | { afterFlush: () => Result }> => {
    if (!scope) return result(await applyAlone(client));
    const outcome = await sessionOf(scope).apply(snapshot, context);
    return { afterFlush: () => result(outcome) };
  };
  return { locks: spec.locks, plan, write };
}
