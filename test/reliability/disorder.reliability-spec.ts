import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverApp, startReceiverApp } from '../support/receiver-app';
import { useDatabase } from '../support/receiver-fixture';
import { deadlockCount } from '../support/deadlock-count';
import { dataState, exactlyOnce, staleEntities, waitForQuiet } from './support/checks';
import { AnswerTally, answerTimePercentile, deliverAll } from './support/delivery';
import { buildEventStream, shuffledWithDuplicates, StreamEvent } from './support/event-stream';
import { assertionPool, StandaloneReceiver, startStandaloneReceiver, stopSurely } from './support/receivers';
import { recordEnvironment, scenario, ScenarioRecorder } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.disorder;
const stream = buildEventStream({ events: size.events, orders: size.orders, shipments: size.shipments, seed: 10 });
const rowsOf = (state: Record<string, string[]>) => Object.entries(state).map(([table, rows]) => `${table} ${rows.length}`).join(', ');

describe('reliability: disorder', () => {
  const database = useDatabase('rel_disorder');
  let inOrder: ReceiverApp;
  let shuffled: ReceiverApp;
  let reference: Promise<Record<string, string[]>> | undefined;

  beforeAll(async () => {
    // No document downloads: a download attempt lands whenever it does, and the compared tables
    // (documents included) must depend only on the events applied.
    const noDownloads = { documents: { download: false } };
    inOrder = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_in_order', options: { ...noDownloads, queue: { concurrency: 1 } } });
    shuffled = await startReceiverApp({ databaseUrl: database.url, schema: 'tc_shuffled', options: { ...noDownloads, queue: { concurrency: 8 } } });
    await recordEnvironment(inOrder.sql);
  });
  afterAll(async () => {
    await inOrder?.close();
    await shuffled?.close();
  });

  /** The final tables of the stream delivered in order, one event at a time, by one worker. */
  const inOrderState = () =>
    (reference ??= (async () => {
      const tally = new AnswerTally();
      const deliveries = await deliverAll(inOrder.webhooks, stream, { clients: 1, tally });
      expect(deliveries.every((delivery) => delivery.result.last.status === 202), tally.describe()).toBe(true);
      await waitForQuiet(inOrder.sql, 'tc_in_order', 10 * 60_000);
      // In order means no event was older than what was stored before it.
      const statuses = (await inOrder.sql.query(`SELECT status, count(*)::int AS n FROM tc_in_order.webhook_events GROUP BY 1`)).rows;
      expect(statuses).toEqual([{ status: 'processed', n: stream.length }]);
      return dataState(inOrder.sql, 'tc_in_order');
    })());

  const describeStream = (recorder: ScenarioRecorder, sent: StreamEvent[]) => {
    const kinds = (kind: StreamEvent['kind']) => stream.filter((event) => event.kind === kind).length;
    recorder.size = `${stream.length.toLocaleString('en-US')} events (${size.orders} orders, ${size.shipments} shipments) + ${(sent.length - stream.length).toLocaleString('en-US')} duplicates`;
    recorder.detail('events in the stream: order / order-documents / shipment', `${kinds('order')} / ${kinds('order-documents')} / ${kinds('shipment')}`);
    recorder.detail('deliveries (stream shuffled, with duplicates)', sent.length);
  };

  it('a shuffled stream with duplicates from concurrent clients ends in the tables of the in-order stream', () =>
    scenario(
      {
        id: 'disorder',
        order: 2,
        title: 'Disorder',
        checks: [
          `the stream is delivered shuffled (seeded), ${Math.round(size.duplicateShare * 100)} % of its events a second time at random places, from ${size.clients} concurrent clients, to a receiver with 8 workers`,
          'reference: the same stream delivered in order by one client to a receiver with one worker, in another schema of the same database (every reference event ends `processed`, none `stale`)',
          'every row of orders, order_lines, delivery_lines, documents, shipments and shipment_lines equals the reference row (all columns but write times, event ids and the time a line was marked removed)',
          'every message stored once and ended `processed`/`stale` once; `changes` holds each version of each entity at most once and one `created` row per entity',
          'every order, order line, shipment and shipment line holds the newest `lastUpdatedAt` sent; PostgreSQL counted no deadlock',
        ],
      },
      async (recorder) => {
        const sent = shuffledWithDuplicates(stream, size.duplicateShare, 20);
        describeStream(recorder, sent);
        const expected = await inOrderState();
        const deadlocksBefore = await deadlockCount(shuffled.sql);
        const tally = new AnswerTally();
        const started = performance.now();
        const deliveries = await deliverAll(shuffled.webhooks, sent, { clients: size.clients, tally });
        recorder.detail('answers', tally.describe());
        recorder.detail('delivery time (s)', Math.round((performance.now() - started) / 100) / 10);
        await waitForQuiet(shuffled.sql, 'tc_shuffled', 10 * 60_000);
        recorder.detail('until every event was processed (s)', Math.round((performance.now() - started) / 100) / 10);
        // Every event processed: the transactions that processed them have ended, so the count is complete (see deadlockCount).
        const deadlocks = (await deadlockCount(shuffled.sql)) - deadlocksBefore;
        const check = await exactlyOnce(shuffled.sql, 'tc_shuffled', stream.map((event) => event.messageId));
        const stale = await staleEntities(shuffled.sql, 'tc_shuffled', stream);
        const actual = await dataState(shuffled.sql, 'tc_shuffled');
        const differing = Object.keys(expected).reduce((n, table) => n + symmetricDifference(expected[table], actual[table]), 0);
        recorder.set({ ...tally.standard(), processed: check.processed, lost: check.lost, appliedTwice: check.appliedTwice });
        recorder.detail('event statuses', JSON.stringify(check.statuses));
        recorder.detail('rows compared (reference)', rowsOf(expected));
        recorder.detail('rows differing from the reference', differing);
        recorder.detail('entities not at their newest version', stale.length);
        recorder.detail('lost', check.lost);
        recorder.detail('applied twice', check.appliedTwice);
        recorder.detail('deadlocks (pg_stat_database)', deadlocks);
        expect(deliveries.every((delivery) => [200, 202].includes(delivery.result.last.status!)), tally.describe()).toBe(true);
        expect(check.examples).toEqual([]);
        expect(stale.slice(0, 5)).toEqual([]);
        expect(deadlocks).toBe(0);
        expect(actual).toEqual(expected);
      },
    ));

  it('two receiver processes on one database, half of the shuffled stream each, end in the same tables', () =>
    scenario(
      {
        id: 'two-receivers',
        order: 3,
        title: 'Two receiver processes on one database',
        checks: [
          'two compiled standalone receivers (`node dist/src/main.js`) start at the same time on one database and schema (migrations under their advisory lock)',
          `the stream, shuffled with another seed and ${Math.round(size.duplicateShare * 100)} % duplicates, is split alternately between them, ${size.clients / 2} concurrent clients each, so that a duplicate often reaches the other process`,
          'final tables equal the in-order reference row for row; every message stored and processed once; nothing applied twice; newest versions everywhere',
          'no deadlock error: no log line of either process mentions one, and PostgreSQL counted none while the stream was processed (a deadlock of the two start-ups creating their job queue at once is retried by the receiver and counted apart)',
        ],
      },
      async (recorder) => {
        const sent = shuffledWithDuplicates(stream, size.duplicateShare, 30);
        describeStream(recorder, sent);
        const expected = await inOrderState();
        const sql = assertionPool(database.url);
        let receivers: StandaloneReceiver[] = [];
        try {
          const deadlocksAtStart = await deadlockCount(sql);
          const started = await Promise.allSettled([0, 1].map(() => startStandaloneReceiver(database.url, 'tc_two', { DOCUMENTS_DOWNLOAD: 'false' })));
          receivers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
          expect(started.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
          // Two instances creating their job queues at the same moment may deadlock once; the queue retries that.
          // Both listen only once their queues exist, so such a deadlock is counted by now (see deadlockCount).
          const deadlocksBefore = await deadlockCount(sql);
          recorder.detail('deadlocks while both started (queue creation, retried by the receiver)', deadlocksBefore - deadlocksAtStart);
          const tally = new AnswerTally();
          const halves = [sent.filter((_, i) => i % 2 === 0), sent.filter((_, i) => i % 2 === 1)];
          const startedAt = performance.now();
          const deliveries = (
            await Promise.all(halves.map((half, i) => deliverAll(receivers[i].webhooks, half, { clients: size.clients / 2, tally })))
          ).flat();
          const deliveredMs = performance.now() - startedAt;
          recorder.detail('answers', tally.describe());
          await waitForQuiet(sql, 'tc_two', 10 * 60_000);
          const processedMs = performance.now() - startedAt;
          recorder.detail('delivery time (s) / deliveries answered per second', `${(deliveredMs / 1000).toFixed(1)} / ${Math.round(sent.length / (deliveredMs / 1000))}`);
          recorder.detail(
            'answer time p50 / p99 (ms, both processes)',
            `${answerTimePercentile(deliveries, 50).toFixed(0)} / ${answerTimePercentile(deliveries, 99).toFixed(0)}`,
          );
          recorder.detail('until every event was processed (s) / events processed per second', `${(processedMs / 1000).toFixed(1)} / ${Math.round(stream.length / (processedMs / 1000))}`);
          // Every event processed: the transactions that processed them have ended, so the count is complete (see deadlockCount).
          const deadlocks = (await deadlockCount(sql)) - deadlocksBefore;
          const check = await exactlyOnce(sql, 'tc_two', stream.map((event) => event.messageId));
          const stale = await staleEntities(sql, 'tc_two', stream);
          const actual = await dataState(sql, 'tc_two');
          const differing = Object.keys(expected).reduce((n, table) => n + symmetricDifference(expected[table], actual[table]), 0);
          const logs = receivers.map((receiver) => receiver.output());
          const deadlockLines = logs.flatMap((log) => log.split('\n')).filter((line) => /deadlock|40P01/i.test(line));
          const byProcess = await sql.query(`SELECT count(*)::int AS n FROM tc_two.webhook_events`);
          recorder.set({ ...tally.standard(), processed: check.processed, lost: check.lost, appliedTwice: check.appliedTwice });
          recorder.detail('events stored', byProcess.rows[0].n);
          recorder.detail('event statuses', JSON.stringify(check.statuses));
          recorder.detail('rows differing from the reference', differing);
          recorder.detail('entities not at their newest version', stale.length);
          recorder.detail('lost', check.lost);
          recorder.detail('applied twice', check.appliedTwice);
          recorder.detail('deadlocks while processing the stream (pg_stat_database)', deadlocks);
          recorder.detail('log lines mentioning a deadlock', deadlockLines.length);
          recorder.detail('log lines of both processes', logs.reduce((n, log) => n + log.split('\n').length, 0));
          expect(deliveries.every((delivery) => [200, 202].includes(delivery.result.last.status!)), tally.describe()).toBe(true);
          expect(check.examples).toEqual([]);
          expect(stale.slice(0, 5)).toEqual([]);
          expect(deadlockLines.slice(0, 5)).toEqual([]);
          expect(deadlocks).toBe(0);
          expect(actual).toEqual(expected);
        } finally {
          await Promise.all(receivers.map((receiver) => stopSurely(receiver)));
          await sql.end();
        }
      },
    ));
});

function symmetricDifference(a: string[], b: string[]): number {
  const setB = new Set(b);
  const setA = new Set(a);
  return a.filter((row) => !setB.has(row)).length + b.filter((row) => !setA.has(row)).length;
}
