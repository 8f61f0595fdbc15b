import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/database/embedded/process-utils';
import { useDatabase } from '../support/receiver-fixture';
import { exactlyOnce, staleEntities, waitForQuiet } from './support/checks';
import { AnswerTally, deliverAll } from './support/delivery';
import { buildEventStream } from './support/event-stream';
import { assertionPool, StandaloneReceiver, startStandaloneReceiver, stopSurely } from './support/receivers';
import { recordEnvironment, scenario } from './support/report';
import { SIZES_FOR_SCALE } from './support/scale';

const size = SIZES_FOR_SCALE.crash;
const stream = buildEventStream({ events: size.events, orders: size.orders, shipments: Math.max(1, Math.round(size.orders / 10)), seed: 50 });

describe('reliability: crash', () => {
  const database = useDatabase('rel_crash');
  let receiver: StandaloneReceiver | undefined;
  const sql = () => assertionPool(database.url);
  afterAll(async () => {
    await stopSurely(receiver);
  });

  it('SIGKILL of the receiver during a burst: acknowledged events processed once, the rest redelivered', () =>
    scenario(
      {
        id: 'crash',
        order: 5,
        title: 'Crash (SIGKILL) during a burst',
        checks: [
          `the compiled standalone receiver (\`node dist/src/main.js\`) takes the stream from ${size.clients} concurrent senders that retry missing answers and answers above 500 with back-off (200 ms doubling to 2 s)`,
          'after a third of the events were acknowledged, the process is killed with SIGKILL (no shutdown at all) and started again on the same port',
          'every event acknowledged before the kill is stored and processed exactly once; every call left without an answer was delivered again by its sender and ended 2xx (200 "duplicate" when the killed process had stored it before dying)',
          'every delivery ends 2xx; no answer other than 2xx and "no answer" (connection refused/reset while down); nothing applied twice; every entity at the newest version sent',
          'the run waits, with the product defaults, until every event is processed: the events being processed at the kill wait for their queue job to time out (`queue.jobTimeoutSeconds`, 60 s, plus at most one 30 s maintenance interval); they are counted',
        ],
      },
      async (recorder) => {
        recorder.size = `${stream.length.toLocaleString('en-US')} events, ${size.clients} senders, one SIGKILL`;
        const pool = sql();
        try {
          await recordEnvironment(pool);
          const port = await findFreePort();
          receiver = await startStandaloneReceiver(database.url, 'tc_crash', { PORT: String(port) });
          const url = receiver.webhooks;
          const tally = new AnswerTally();
          const items = [...stream].sort((a, b) => ((a.seq * 7919) % stream.length) - ((b.seq * 7919) % stream.length));
          const acknowledgedBeforeKill = new Set<string>();
          let killed = false;
          let restart: Promise<void> | undefined;
          const timeline: Record<string, number> = {};
          const started = performance.now();
          const since = () => Math.round(performance.now() - started);
          const deliveries = await deliverAll(url, items, {
            clients: size.clients,
            tally,
            policy: { maxAttempts: 500, initialDelayMs: 200, maxDelayMs: 2_000, maxTotalMs: 5 * 60_000 },
            onDelivered: (delivery) => {
              if (!killed && delivery.result.outcome === 'delivered') acknowledgedBeforeKill.add(delivery.item.messageId);
              if (!killed && acknowledgedBeforeKill.size >= stream.length / 3) {
                killed = true;
                timeline.killAtMs = since();
                receiver!.process.child.kill('SIGKILL');
                restart = (async () => {
                  await receiver!.stop('SIGKILL');
                  receiver = await startStandaloneReceiver(database.url, 'tc_crash', { PORT: String(port) });
                  timeline.restartedAtMs = since();
                })();
              }
            },
          });
          await restart;
          timeline.deliveredAtMs = since();
          const answers = tally.describe();
          recorder.detail('answers', answers);
          await waitForQuiet(pool, 'tc_crash', 5 * 60_000);
          timeline.processedAtMs = since();
          const check = await exactlyOnce(pool, 'tc_crash', stream.map((event) => event.messageId));
          const stale = await staleEntities(pool, 'tc_crash', stream);
          const storedBeforeKill = (
            await pool.query(`SELECT count(*)::int AS n FROM tc_crash.webhook_events WHERE message_id = ANY($1::text[]) AND status <> 'rejected'`, [
              [...acknowledgedBeforeKill],
            ])
          ).rows[0].n;
          const unanswered = deliveries.filter((delivery) => delivery.result.statuses.includes(undefined));
          const redelivered = unanswered.filter((delivery) => delivery.result.outcome === 'delivered');
          const storedButUnanswered = unanswered.filter((delivery) => delivery.result.last.status === 200).length;
          const other = tally.count((status) => status < 200 || status >= 300);
          recorder.set({ ...tally.standard(), processed: check.processed, lost: check.lost, appliedTwice: check.appliedTwice });
          recorder.detail('acknowledged before the kill (all found stored)', `${acknowledgedBeforeKill.size} (${storedBeforeKill})`);
          recorder.detail('deliveries that got no answer at least once (killed in flight, or sent while down)', unanswered.length);
          recorder.detail('of those, delivered again and acknowledged', redelivered.length);
          recorder.detail('of those, already stored by the killed process (answered 200 duplicate)', storedButUnanswered);
          recorder.detail('answers other than 2xx (and no answer)', other);
          recorder.detail('receiver down (s, SIGKILL to listening again)', ((timeline.restartedAtMs - timeline.killAtMs) / 1000).toFixed(1));
          recorder.detail('every event processed after (s)', (timeline.processedAtMs / 1000).toFixed(1));
          recorder.detail('waiting for processing after the last acknowledgement (s)', ((timeline.processedAtMs - timeline.deliveredAtMs) / 1000).toFixed(1));
          recorder.detail('event statuses', JSON.stringify(check.statuses));
          recorder.detail('lost', check.lost);
          recorder.detail('applied twice', check.appliedTwice);
          recorder.detail('entities not at their newest version', stale.length);
          expect(killed, 'the kill happened during the burst').toBe(true);
          expect(timeline.killAtMs).toBeLessThan(timeline.deliveredAtMs);
          expect(storedBeforeKill).toBe(acknowledgedBeforeKill.size);
          expect(deliveries.every((delivery) => delivery.result.outcome === 'delivered'), answers).toBe(true);
          expect(other, answers).toBe(0);
          expect(unanswered.length).toBeGreaterThan(0);
          expect(check.examples).toEqual([]);
          expect(check.waiting).toBe(0);
          expect(stale.slice(0, 5)).toEqual([]);
        } finally {
          await pool.end();
        }
      },
    ));
});
