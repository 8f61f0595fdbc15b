import { BareBaseline, bareColumns, BareFigures } from '../bare-applier';
import { BenchContext, CpuCost, perUnit, Receiver, Row, ScenarioReport } from '../context';
import { orderEventTemplate, runTag, shipmentEventTemplate, versionTime } from '../bodies';
import { megabytes } from '../memory';
import { enqueueJobs, EventSource, PreStoredEvent, storeEvents } from '../prestore';
import { fmt, ratio } from '../stats';

export interface DrainFigures {
  events: number;
  perSecond: number;
  seconds: number;
  finished: boolean;
  counts: { processed: number; stale: number; failed: number; dead: number; pending: number };
  bodyKb: number;
  /** CPU of the receiver and PostgreSQL from the enqueue to the last event done. */
  cpu: CpuCost;
}

/** Events of `entities` entities, round-robin: every entity's version v comes after all versions v − 1. */
function roundRobin(count: number, entities: number, event: (entity: number, version: number, seq: number) => PreStoredEvent): EventSource {
  return { count, at: (seq) => event(seq % entities, Math.floor(seq / entities), seq) };
}

export function orderEvents(tag: string, count: number, orders: number, lines: number, firstOrder: number): EventSource {
  // Two variants per order (other quantities, prices, status and event name), alternating by version.
  const templates = Array.from({ length: orders }, (_, order) => [0, 1].map((variant) => orderEventTemplate(firstOrder + order, lines, variant)));
  return roundRobin(count, orders, (order, version, seq) => {
    const template = templates[order][version % 2];
    const messageId = `${tag}-${seq}`;
    return { endpoint: 'orders', payloadKind: 'orderEvent', eventName: template.eventName, entityId: template.entityId, messageId, body: template.render(messageId, versionTime(version)) };
  });
}

export function shipmentEvents(tag: string, count: number, shipments: number, lines: number, firstOrder: number, orders: number): EventSource {
  const templates = Array.from({ length: shipments }, (_, shipment) => shipmentEventTemplate(shipment, lines, firstOrder + (shipment % orders)));
  return roundRobin(count, shipments, (shipment, version, seq) => {
    const template = templates[shipment];
    const messageId = `${tag}-${seq}`;
    return { endpoint: 'shipments', payloadKind: 'shipment', eventName: template.eventName, entityId: template.entityId, messageId, body: template.render(messageId, versionTime(version)) };
  });
}

/** Pre-stores `events` not ready yet on a running receiver and measures how fast its workers drain them. */
export async function drain(ctx: BenchContext, receiver: Receiver, events: EventSource, timeoutS: number): Promise<DrainFigures> {
  const afterId = await receiver.inbox.lastId();
  const bodyKb = Buffer.byteLength(events.at(0).body) / 1024;
  const storing = Date.now();
  const ids = await storeEvents(ctx.db.pool, receiver.schema, events, () => ctx.aborted());
  ctx.throwIfAborted();
  const meter = ctx.cpuMeter(receiver.process.pid);
  await enqueueJobs(ctx.db.pool, receiver.schema, ids);
  ctx.log(`  stored ${events.count} events (${fmt(bodyKb, 1)} KB each) in ${fmt((Date.now() - storing) / 1000, 1)} s; draining…`);
  const finished = await receiver.inbox.waitProcessed(afterId, events.count, timeoutS, () => ctx.aborted());
  const cpu = meter();
  if (!finished) ctx.log(`  not drained within ${timeoutS} s: ${await receiver.inbox.settle()} unprocessed events put aside so the next scenario starts on an empty inbox`);
  const rate = await receiver.inbox.drainRate(afterId);
  const counts = await receiver.inbox.counts(afterId);
  return { events: rate.events, perSecond: rate.perSecond, seconds: rate.seconds, finished, counts, bodyKb, cpu };
}

/**
 * Scenario 2: drain rate. N order events over M orders (every order gets N/M versions, in
 * order) are stored (not ready yet) in one go while the receiver idles; its workers then drain
 * the queue. events/s = (n − 1) / (last processed_at − first processed_at). Then the same with
 * shipment events (delivering those orders). Runs on the shared receiver.
 */
export async function runProcessing(
  ctx: BenchContext,
  receiver: Receiver,
  firstOrder: number,
): Promise<{ report: ScenarioReport; orders: DrainFigures; shipments: DrainFigures; bare: BareFigures }> {
  const p = ctx.profile.processing;
  ctx.log(`Scenario 2: processing (${p.orderEvents} ${p.orderLines}-line order events over ${p.orders} orders; ${p.shipmentEvents} ${p.shipmentLines}-line shipment events)`);
  receiver.process.memory.startWindow();
  const orderTag = runTag('drain-orders');
  const orders = await drain(ctx, receiver, orderEvents(orderTag, p.orderEvents, p.orders, p.orderLines, firstOrder), p.timeoutS);
  ctx.log(`  orders: ${fmt(orders.perSecond)} events/s over ${fmt(orders.seconds, 1)} s`);
  ctx.throwIfAborted();
  // The bare applier runs on a copy of the events right after each drain, while the receiver idles.
  const bare = new BareBaseline(ctx, receiver.schema);
  let shipments: DrainFigures;
  let bareFigures: BareFigures;
  let rss: number;
  try {
    await bare.drain(orderTag, 'orderEvent');
    ctx.throwIfAborted();
    const shipmentTag = runTag('drain-shipments');
    shipments = await drain(ctx, receiver, shipmentEvents(shipmentTag, p.shipmentEvents, p.shipments, p.shipmentLines, firstOrder, p.orders), p.timeoutS);
    ctx.log(`  shipments: ${fmt(shipments.perSecond)} events/s over ${fmt(shipments.seconds, 1)} s`);
    rss = receiver.process.memory.windowPeakBytes();
    bareFigures = await bare.finish(shipmentTag);
  } finally {
    await bare.close();
  }

  const notes: string[] = [...bare.notes];
  const outcome = (figures: DrainFigures, expected: number) => {
    const { processed, stale, failed, dead, pending } = figures.counts;
    if (!figures.finished) notes.push(`Not drained within ${p.timeoutS} s: ${processed + stale} of ${expected} done, ${pending} pending; the rate is over the part that finished.`);
    if (failed || dead) notes.push(`${failed} failed and ${dead} dead events: the rate counts only processed and stale ones.`);
    return `${fmt(processed)} processed, ${fmt(stale)} stale, ${fmt(failed + dead)} failed`;
  };
  const { orders: bareOrders, shipments: bareShipments } = bareFigures;
  const orderRatio = bareOrders ? orders.perSecond / bareOrders.perSecond : NaN;
  const rows: Row[] = [
    {
      metric: `${p.orderLines}-line order events/s`,
      value: fmt(orders.perSecond),
      ...bareColumns(orders.perSecond, bareOrders, (bare) => fmt(bare.perSecond)),
      target: '≥ 500 events/s',
      met: orders.finished && orders.perSecond >= 500,
    },
    {
      metric: 'Order drain against the bare applier (receiver / bare)',
      value: bareOrders ? `${ratio(orders.perSecond, bareOrders.perSecond)} (${fmt(orders.perSecond)} / ${fmt(bareOrders.perSecond)} events/s)` : 'n/a',
      target: '≥ 0.5×',
      met: bareOrders ? orders.finished && orderRatio >= 0.5 : null,
    },
    {
      metric: 'Order events drained',
      value: `${outcome(orders, p.orderEvents)} in ${fmt(orders.seconds, 1)} s`,
      baseline: bareOrders && `${fmt(bareOrders.counts.processed)} processed, ${fmt(bareOrders.counts.stale)} stale in ${fmt(bareOrders.seconds, 2)} s`,
    },
    {
      metric: 'CPU per order event (receiver or bench client + PostgreSQL)',
      value: perUnit(orders.cpu, orders.events),
      baseline: bareOrders && perUnit(bareOrders.cpu, bareOrders.events),
    },
    {
      metric: `${p.shipmentLines}-line shipment events/s`,
      value: fmt(shipments.perSecond),
      ...bareColumns(shipments.perSecond, bareShipments, (bare) => fmt(bare.perSecond)),
      target: '≥ 250 events/s',
      met: shipments.finished && shipments.perSecond >= 250,
    },
    {
      metric: 'Shipment events drained',
      value: `${outcome(shipments, p.shipmentEvents)} in ${fmt(shipments.seconds, 1)} s`,
      baseline: bareShipments && `${fmt(bareShipments.counts.processed)} processed, ${fmt(bareShipments.counts.stale)} stale in ${fmt(bareShipments.seconds, 2)} s`,
    },
    {
      metric: 'CPU per shipment event (receiver or bench client + PostgreSQL)',
      value: perUnit(shipments.cpu, shipments.events),
      baseline: bareShipments && perUnit(bareShipments.cpu, bareShipments.events),
    },
    { metric: 'Receiver peak RSS', value: `${megabytes(rss)} MB`, target: '< 300 MB', met: rss < 300 * 1024 * 1024 },
  ];
  return {
    report: {
      id: 'processing',
      title: '2. Processing: drain rate of pre-stored events',
      setup:
        `${fmt(p.orderEvents)} orderEvent bodies (${p.orderLines} lines × 2 schedule entries, ${fmt(orders.bodyKb, 1)} KB) over ${fmt(p.orders)} orders, ` +
        `then ${fmt(p.shipmentEvents)} shipment bodies (${p.shipmentLines} lines, ${fmt(shipments.bodyKb, 1)} KB) over ${fmt(p.shipments)} shipments, ` +
        'stored in webhook_events not ready (available_at = infinity) while the receiver idled, then made ready in one statement; every event is a newer version ' +
        '(all lines change), queued round-robin over the entities. Default queue settings (2 worker loops, batches of up to 32 events). ' +
        'Rate = (n − 1) / (last − first processed_at). ' +
        `Baseline: the bare applier (\`bench/bare-applier.ts\`), after each drain, on a copy of the same events in a schema of its own made by the same migrations: ` +
        `set-based SQL straight from the stored jsonb, ${bareFigures.options.batchSize} events per transaction on ${bareFigures.options.workers} connections, ` +
        'the lastUpdatedAt guard, the same tables, rows and indexes, no change tracking, domain events or queue; rate = events / wall-clock time of all its batches.',
      rows,
      notes,
    },
    orders,
    shipments,
    bare: bareFigures,
  };
}
