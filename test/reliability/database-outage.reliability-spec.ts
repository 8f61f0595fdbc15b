import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../../src/database/embedded/embedded-postgres';
import { findFreePort } from '../../src/database/embedded/process-utils';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { exactlyOnce, staleEntities, waitForQuiet } from './support/checks';
import { AnswerTally, deliverAll } from './support/delivery';
import { buildEventStream } from './support/event-stream';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.databaseOutage;
const stream = buildEventStream({ events: size.events, orders: size.orders, shipments: Math.max(1, Math.round(size.orders / 10)), seed: 40 });

describe('reliability: database outage', () => {
  let dataDir: string;
  let port: number;
  let server: EmbeddedPostgres | undefined;
  let receiver: ReceiverApp | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-reliability-outage-'));
    port = await findFreePort();
    server = new EmbeddedPostgres({ dataDir, port });
    await server.start();
    receiver = await startReceiverApp({ databaseUrl: server.url() });
    await recordEnvironment(receiver.sql);
  });
  afterAll(async () => {
    await receiver?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('PostgreSQL stopped and restarted in the middle of a run: every event processed once, the outage answered 503', () =>
    scenario(
      {
        id: 'database-outage',
        order: 4,
        title: 'Database outage',
        checks: [
          `the receiver (module in a Nest app) runs on its own embedded PostgreSQL; ${size.clients} concurrent senders deliver the stream shuffled, each retrying answers above 500 and missing answers with back-off (200 ms doubling to 2 s) as Tradecloud does`,
          `after 30 % of the events were acknowledged, PostgreSQL is stopped (fast shutdown, sessions cut), kept down ${size.outageMs / 1000} s, and started again on the same port and data folder`,
          'every answer is 2xx, 502 or 503 (never 500, never 4xx, never no answer); 503s were seen; every delivery ends 2xx',
          'every message stored once and processed once; nothing applied twice; every entity at the newest version sent; no uncaught exception in the receiver',
          'the run waits, with the product defaults, until every event is processed: a worker whose job the outage cut records the outcome once PostgreSQL is back, so the event is retried after its retry delay; only a job the outage left `active` with no worker at all (fetched as the connection broke) waits for its timeout (`queue.jobTimeoutSeconds`, 60 s, plus at most one 30 s maintenance interval); such jobs are counted',
        ],
      },
      async (recorder) => {
        recorder.size = `${stream.length.toLocaleString('en-US')} events, ${size.clients} senders, database down ${size.outageMs / 1000} s`;
        let uncaught = 0;
        const onUncaught = () => uncaught++;
        process.prependListener('uncaughtException', onUncaught);
        const tally = new AnswerTally();
        const items = [...stream].sort((a, b) => ((a.seq * 7919) % stream.length) - ((b.seq * 7919) % stream.length));
        let acknowledged = 0;
        let outage: Promise<void> | undefined;
        const timeline: Record<string, number> = {};
        const started = performance.now();
        const since = () => Math.round(performance.now() - started);
        const deliveries = await deliverAll(receiver!.webhooks, items, {
          clients: size.clients,
          tally,
          policy: { maxAttempts: 500, initialDelayMs: 200, maxDelayMs: 2_000, maxTotalMs: 5 * 60_000 },
          onDelivered: (delivery) => {
            if (delivery.result.outcome === 'delivered') acknowledged++;
            if (!outage && acknowledged >= stream.length * 0.3) {
              outage = (async () => {
                timeline.stopAtMs = since();
                timeline.acknowledgedBeforeStop = acknowledged;
                await server!.stop();
                timeline.stoppedAtMs = since();
                await sleep(size.outageMs);
                server = new EmbeddedPostgres({ dataDir, port });
                await server.start();
                timeline.backAtMs = since();
              })();
            }
          },
        });
        await outage;
        timeline.deliveredAtMs = since();
        const answers = tally.describe();
        recorder.detail('answers', answers);
        const recoveryStart = performance.now();
        await waitForQuiet(receiver!.sql, 'tradecloud', 5 * 60_000);
        timeline.processedAtMs = since();
        process.removeListener('uncaughtException', onUncaught);
        const check = await exactlyOnce(receiver!.sql, 'tradecloud', stream.map((event) => event.messageId));
        const stale = await staleEntities(receiver!.sql, 'tradecloud', stream);
        const attempts = (await receiver!.sql.query(`SELECT max(attempts)::int AS max, count(*) FILTER (WHERE attempts > 1)::int AS retried FROM tradecloud.webhook_events`)).rows[0];
        const retriedDeliveries = deliveries.filter((delivery) => delivery.result.attempts > 1).length;
        const wrong = tally.count((status) => !(status >= 200 && status < 300) && status !== 502 && status !== 503);
        recorder.set({ ...tally.standard(), processed: check.processed, lost: check.lost, appliedTwice: check.appliedTwice });
        recorder.detail('acknowledged before PostgreSQL was stopped', timeline.acknowledgedBeforeStop);
        recorder.detail('PostgreSQL down (s, from stop command to accepting connections again)', ((timeline.backAtMs - timeline.stopAtMs) / 1000).toFixed(1));
        recorder.detail('deliveries that needed more than one call', retriedDeliveries);
        recorder.detail('answers other than 2xx, 502, 503', wrong);
        recorder.detail('every event acknowledged after (s)', (timeline.deliveredAtMs / 1000).toFixed(1));
        recorder.detail('every event processed after (s)', (timeline.processedAtMs / 1000).toFixed(1));
        recorder.detail('waiting for processing after the last acknowledgement (s)', ((performance.now() - recoveryStart) / 1000).toFixed(1));
        recorder.detail('uncaught exceptions in the receiver', uncaught);
        recorder.detail('events processed in more than one attempt / most attempts', `${attempts.retried} / ${attempts.max}`);
        recorder.detail('event statuses', JSON.stringify(check.statuses));
        recorder.detail('lost', check.lost);
        recorder.detail('applied twice', check.appliedTwice);
        recorder.detail('entities not at their newest version', stale.length);
        expect(timeline.stopAtMs, 'the outage happened during the run').toBeLessThan(timeline.deliveredAtMs);
        expect(deliveries.every((delivery) => delivery.result.outcome === 'delivered'), answers).toBe(true);
        expect(wrong, answers).toBe(0);
        expect(tally.noAnswer, answers).toBe(0);
        expect(tally.count((status) => status === 503), answers).toBeGreaterThan(0);
        expect(uncaught).toBe(0);
        expect(check.examples).toEqual([]);
        expect(check.waiting).toBe(0);
        expect(stale.slice(0, 5)).toEqual([]);
      },
    ));
});
