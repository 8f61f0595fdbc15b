import { BenchContext, Receiver } from './context';
import { OrderEventStream, runTag } from './bodies';
import { closedLoop, Target } from './load';
import { fmt } from './stats';

/** Order numbers of warm-up events: never used by a measured scenario. */
const WARMUP_ORDERS = 900_000;

/**
 * A freshly started server is cold (V8 has compiled nothing yet, validation metadata is not
 * cached, pools are empty): a few seconds of load first, not measured, as a long-running
 * service would have had. For a receiver, its workers then get up to 30 s to drain what the
 * warm-up queued, so that measured scenarios start on an empty queue.
 */
export async function warmUp(ctx: BenchContext, server: Receiver | Target, label: string): Promise<void> {
  const { durationS, connections } = ctx.profile.warmup;
  if (durationS <= 0) return;
  const receiver = 'inbox' in server ? server : undefined;
  const target = receiver ? receiver.target('orders') : (server as Target);
  const stream = new OrderEventStream(runTag('warmup'), 50, 10, WARMUP_ORDERS);
  const afterId = receiver ? await receiver.inbox.lastId() : 0;
  const load = await closedLoop(target, { connections, durationS, maxRequests: 100_000 }, (i) => stream.body(i));
  if (!receiver) {
    ctx.log(`  ${label} warmed up: ${fmt(load.accepted)} requests in ${durationS} s`);
    return;
  }
  const started = Date.now();
  const drained = await receiver.inbox.waitProcessed(afterId, load.accepted, 30, () => ctx.aborted());
  ctx.log(
    `  ${label} warmed up: ${fmt(load.accepted)} requests in ${durationS} s, ` +
      `${drained ? `processed ${((Date.now() - started) / 1000).toFixed(1)} s later` : 'not all processed after 30 s (measuring anyway)'}`,
  );
}
