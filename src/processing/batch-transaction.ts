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
 * - `work_mem` of {@link BATCH_WORK_MEM}: the set-returning functions that read a stored body
 *   (`jsonb_array_elements`, `jsonb_to_recordset`) keep their rows in memory up to `work_mem`,
 *   and a 5,000-line order's lines (16 MB) and schedule entries went to temporary files at the
 *   default 4 MB (about 90 ms of its two largest statements). A batch of small events stays far
 *   below either figure.
 */
export async function configureBatchTransaction(client: PoolClient): Promise<void> {
  await client.query(
    `SELECT set_config('synchronous_commit', 'off', true), set_config('enable_hashjoin', 'off', true),
            set_config('enable_mergejoin', 'off', true), set_config('jit', 'off', true),
            set_config('work_mem', '${BATCH_WORK_MEM}', true)`,
  );
}

/** Memory a processing statement's sort, hash or set-returning function may use before it spills (see above). */
export const BATCH_WORK_MEM = '32MB';
