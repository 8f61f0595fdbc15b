import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StandaloneProcess, startStandaloneProcess } from '../support/standalone-process';
import { useDatabase, waitFor } from '../support/receiver-fixture';
import { buildOrderEvent, sendWebhook } from '../support/tradecloud-simulator';

const BASIC = { username: 'tradecloud', password: 'shutdown-basic-password-0b9e' };
const EVENTS = 200;

/**
 * SIGTERM in the middle of a burst: the receiver stops accepting, answers what it took in,
 * lets running jobs finish and exits 0. Whatever it answered 2xx is stored, and after a restart
 * every accepted event is processed: nothing a sender was told "accepted" is lost.
 */
describe('graceful shutdown', () => {
  const database = useDatabase('shutdown');
  let dataDir: string;
  let second: StandaloneProcess | undefined;
  const env = () => ({ DATABASE_URL: database.url, DATA_DIR: dataDir, WEBHOOK_BASIC_USERNAME: BASIC.username, WEBHOOK_BASIC_PASSWORD: BASIC.password });

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-shutdown-'));
  });
  afterAll(async () => {
    await second?.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no accepted event when SIGTERM arrives during a burst of 200', async () => {
    const first = await startStandaloneProcess(env());
    // Two events per order, so processing takes the per-order locks while the signal arrives.
    const bodies = Array.from({ length: EVENTS }, (_, index) =>
      buildOrderEvent({
        seed: 7000 + Math.floor(index / 2),
        eventName: index % 2 ? 'OrderLinesAcceptedBySupplier' : 'OrderIssuedByBuyer',
        lastUpdatedAt: new Date(Date.parse('2025-06-12T09:00:00.000Z') + (index % 2) * 60_000).toISOString(),
      }),
    );
    const accepted: string[] = [];
    const statuses: Array<number | string> = [];
    let next = 0;
    let signalled: Promise<number | null> | undefined;
    const sender = async () => {
      for (let index = next++; index < EVENTS; index = next++) {
        const answer = await sendWebhook(`${first.url}/tradecloud/webhooks/orders`, bodies[index], { auth: { basic: BASIC }, timeoutMs: 20_000 });
        statuses.push(answer.status ?? answer.error ?? 'none');
        if (answer.status === 202 || answer.status === 200) accepted.push(JSON.parse(answer.body).eventId);
        if (accepted.length === 60 && !signalled) signalled = first.stop('SIGTERM');
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    const exitCode = await signalled!;

    expect(exitCode).toBe(0);
    expect(first.output()).toContain('SIGTERM received: shutting down');
    expect(first.output()).toMatch(/Stopped accepting connections; waiting for \d+ request\(s\) in flight/);
    expect(first.output()).toContain('Shutdown complete');
    expect(accepted.length).toBeGreaterThanOrEqual(60);
    expect(accepted.length).toBeLessThan(EVENTS); // the signal really came in the middle
    expect(statuses.filter((status) => typeof status === 'number' && status >= 500)).toEqual([]);
    // Every 2xx answer was committed before it was sent.
    const stored = await database.sql.query(`SELECT count(*)::int AS n FROM tradecloud.webhook_events WHERE id = ANY($1::bigint[])`, [accepted]);
    expect(stored.rows[0].n).toBe(new Set(accepted).size);

    second = await startStandaloneProcess(env());
    await waitFor(
      async () => {
        const { rows } = await database.sql.query<{ status: string; n: number }>(
          `SELECT status, count(*)::int AS n FROM tradecloud.webhook_events WHERE id = ANY($1::bigint[]) GROUP BY status`,
          [accepted],
        );
        expect(rows.filter((row) => !['processed', 'stale'].includes(row.status)), 'accepted events not processed after restart').toEqual([]);
      },
      { timeout: 60_000 },
    );
    // Running jobs were let finish: no processing was cut off into a failed attempt (the restart
    // above also shows that none was left claimed by the stopped receiver: it would still wait).
    const cutOff = await database.sql.query(`SELECT id FROM tradecloud.webhook_events WHERE id = ANY($1::bigint[]) AND (attempts <> 1 OR last_error IS NOT NULL)`, [accepted]);
    expect(cutOff.rows).toEqual([]);
    expect(await second.stop('SIGTERM')).toBe(0);
    second = undefined;
  });
});
