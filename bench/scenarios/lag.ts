import { BenchContext, Receiver, Row, ScenarioReport } from '../context';
import { OrderEventStream, runTag } from '../bodies';
import { openLoop } from '../load';
import { megabytes } from '../memory';
import { fmt, ms } from '../stats';

export interface LagFigures {
  offered: number;
  accepted: number;
  ackP99Ms: number;
  events: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  finished: boolean;
}

/**
 * Scenario 3: 10-line order events offered at a fixed rate (open loop) to a receiver with an
 * empty queue; lag = processed_at − received_at of each event, both taken by PostgreSQL.
 */
export async function runLag(ctx: BenchContext, receiver: Receiver, firstOrder: number): Promise<{ report: ScenarioReport; figures: LagFigures }> {
  const { rate, durationS, orders, timeoutS } = ctx.profile.lag;
  const count = Math.round(rate * durationS);
  ctx.log(`Scenario 3: lag (${rate} events/s for ${durationS} s)`);
  const stream = new OrderEventStream(runTag('lag'), orders, 10, firstOrder);
  const afterId = await receiver.inbox.lastId();
  receiver.process.memory.startWindow();
  const load = await openLoop(receiver.target('orders'), { rate, count }, (i) => stream.body(i));
  const finished = await receiver.inbox.waitProcessed(afterId, load.accepted, timeoutS, () => ctx.aborted());
  const lag = await receiver.inbox.lag(afterId);
  if (!finished || load.accepted < count) ctx.log(`  not all processed within ${timeoutS} s: ${await receiver.inbox.settle()} unprocessed events put aside`);
  const rss = receiver.process.memory.windowPeakBytes();
  ctx.log(`  lag p50 ${ms(lag.p50Ms)}, p99 ${ms(lag.p99Ms)} over ${lag.events} events`);

  const notes: string[] = [];
  if (!finished) notes.push(`Not every event was processed within ${timeoutS} s after the load: the percentiles cover the ${lag.events} that were.`);
  if (load.accepted !== count) notes.push(`${count - load.accepted} of ${count} requests did not get a 202.`);
  const rows: Row[] = [
    { metric: 'Offered / accepted', value: `${fmt(count)} / ${fmt(load.accepted)} (${fmt(load.acceptedPerS)} per s)` },
    { metric: 'Ack p99', value: ms(load.p99Ms) },
    { metric: 'Lag p50 (received → processed)', value: ms(lag.p50Ms) },
    { metric: 'Lag p99', value: ms(lag.p99Ms), target: '< 1 s', met: finished && lag.p99Ms < 1000 },
    { metric: 'Lag max', value: ms(lag.maxMs) },
    { metric: 'Receiver peak RSS', value: `${megabytes(rss)} MB`, target: '< 300 MB', met: rss < 300 * 1024 * 1024 },
  ];
  return {
    report: {
      id: 'lag',
      title: '3. Lag at a steady rate',
      setup:
        `${fmt(count)} orderEvent bodies (10 lines) paced at ${rate}/s for ${durationS} s over ${orders} orders (each request a newer version), ` +
        'empty queue at the start. Lag = processed_at − received_at from webhook_events (both PostgreSQL clocks: received_at is the ' +
        'start of the intake statement, processed_at the start of the statement that records the outcome, the last of the processing transaction).',
      rows,
      notes,
    },
    figures: { offered: count, accepted: load.accepted, ackP99Ms: load.p99Ms, events: lag.events, p50Ms: lag.p50Ms, p99Ms: lag.p99Ms, maxMs: lag.maxMs, finished },
  };
}
