import type { Pool, PoolClient } from 'pg';

/**
 * BEGIN … COMMIT around `work` on one connection of `pool`; ROLLBACK when it throws. Used by the
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
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
