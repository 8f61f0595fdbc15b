import type { PoolClient } from 'pg';

/**
 * Settings of a processing transaction (a claimed batch, a page of polled entities):
 *
 * - `synchronous_commit = off`: the commit does not wait for the WAL flush. A commit lost in a crash
 *   only means its events are claimed (or its entities polled) and applied again, which the
 *   `lastUpdatedAt` guards make idempotent. Intake's commit stays synchronous: its 2xx promises
 *   durability.
 * - No hash or merge joins: every statement of a batch looks up a few hundred keys (`unnest`,
 *   `jsonb_to_recordset`), which the planner takes for 100 rows of unknown distribution; with a
 *   large table it would rather hash the whole table than probe its index once per key.
 * - No JIT: the same misestimates push set-based statements over the JIT thresholds, and
 *   compiling costs far more than these short statements run (PostgreSQL built with LLVM).
 */
export async function configureBatchTransaction(client: PoolClient): Promise<void> {
  await client.query(
    `SELECT set_config('synchronous_commit', 'off', true), set_config('enable_hashjoin', 'off', true),
            set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true)`,
  );
}
