/**
 * Work to do once a transaction has committed (waking this instance's workers for the jobs it
 * queued, so they start now rather than at their next poll), registered by whoever queues inside
 * the transaction and run by the transaction's owner (`inTransaction`, the event processor's
 * batch). Keyed by the connection: a connection runs one transaction at a time. Callbacks of a
 * transaction that rolls back are dropped; a key registers its callback once per transaction.
 */
const pending = new WeakMap<object, Map<string, () => void>>();

export function afterCommit(connection: object, key: string, callback: () => void): void {
  let callbacks = pending.get(connection);
  if (!callbacks) pending.set(connection, (callbacks = new Map()));
  if (!callbacks.has(key)) callbacks.set(key, callback);
}

/** Called by the transaction's owner after COMMIT succeeded. */
export function runAfterCommit(connection: object): void {
  const callbacks = pending.get(connection);
  if (!callbacks) return;
  pending.delete(connection);
  for (const callback of callbacks.values()) callback();
}

/** Called by the transaction's owner after a ROLLBACK (or a failed COMMIT). */
export function discardAfterCommit(connection: object): void {
  pending.delete(connection);
}
