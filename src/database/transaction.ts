import type { Pool, PoolClient } from 'pg';
import { discardAfterCommit, runAfterCommit } from './after-commit';

/**
 * BEGIN … COMMIT around `work` on one connection of `pool`; ROLLBACK when it throws. What `work`
 * registered with `afterCommit` runs after the COMMIT. Used by the
 * module's TradecloudDatabase and by CLI commands that work on their own pool.
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no pool listener: a connection lost between two statements (the
  // database restarting) would be an 'error' event nobody handles, which ends the process.
  // The next statement fails with it anyway; the broken connection is then dropped by the pool.
  let lost: Error | undefined;
  const onError = (error: Error) => (lost ??= error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    runAfterCommit(client);
    return result;
  } catch (error) {
    discardAfterCommit(client);
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
