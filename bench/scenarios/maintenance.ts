import { execFile } from 'node:child_process';
import path from 'node:path';
import { BenchContext, Receiver, Row, ScenarioReport } from '../context';
import { OrderEventStream, runTag } from '../bodies';
import { LoadResult, openLoop } from '../load';
import { EventSource } from '../prestore';
import { receiverMain } from '../processes';
import { fmt, ms } from '../stats';
import { drain, orderEvents } from './processing';

/** Measured storage cost, the base of the README's capacity figures. */
export interface CapacityFigures {
  /** webhook_events bytes (heap, TOAST, every index) per processed event that keeps its body. */
  eventWithBodyBytes: number;
  /** The same per event once retention removed its body (the row kept for its idempotency key). */
  eventWithoutBodyBytes: number;
  /** orders + order_lines + delivery_lines bytes per order line (10-line orders, 2 schedule entries per line). */
  orderLineBytes: number;
  /** `changes` bytes per processed order event (history, kept by default). */
  changesPerEventBytes: number;
  /** Body size of the stored events as sent (JSON text). */
  bodyBytes: number;
}

export interface MaintenanceFigures {
  capacity: CapacityFigures;
  stored: number;
  pruned: number;
  pruneSeconds: number;
  rate: number;
  withoutPruning: LoadResult;
  withPruning: LoadResult;
  /** Seconds of the "with pruning" load during which the pass ran. */
  overlapSeconds: number;
}

const DAY_MS = 86_400_000;

/**
 * Scenario: maintenance while webhooks arrive. A receiver holds `storedEvents` processed order
 * events (10-line bodies, 31 days old), stored as the intake does; the same open-loop load
 * (`rate`/s for `durationS`) is offered twice on the same receiver: first alone, then while
 * `tradecloud prune` (the compiled CLI, one pass with the default retention) removes every one
 * of those bodies. The ack p99 of the two is compared. On the way, pg_total_relation_size gives
 * the capacity figures: bytes per stored event (with and without body), per order line and of
 * history per processed event (order events processed by the receiver first).
 */
export async function runMaintenance(ctx: BenchContext, firstOrder: number): Promise<{ report: ScenarioReport; figures: MaintenanceFigures }> {
  const m = ctx.profile.maintenance;
  ctx.log(`Scenario: maintenance (prune ${fmt(m.storedEvents)} bodies while ${m.rate} events/s arrive for ${m.durationS} s)`);
  const receiver = await ctx.startReceiver('maintenance', { env: { MAINTENANCE_INTERVAL: 'off' } });
  try {
    const lines = await measureOrderLines(ctx, receiver, firstOrder);
    ctx.throwIfAborted();

    const storing = Date.now();
    const source = orderEvents(runTag('stored'), m.storedEvents, m.orders, 10, firstOrder + 10_000);
    const before = await tableBytes(ctx, receiver.schema, 'webhook_events');
    await storeProcessedEvents(ctx, receiver.schema, source, 31);
    const eventWithBodyBytes = ((await tableBytes(ctx, receiver.schema, 'webhook_events')) - before) / m.storedEvents;
    const eventWithoutBodyBytes = await measurePrunedRow(ctx, receiver.schema);
    const capacity: CapacityFigures = { ...lines, eventWithBodyBytes, eventWithoutBodyBytes, bodyBytes: Buffer.byteLength(source.at(0).body) };
    ctx.log(
      `  stored ${fmt(m.storedEvents)} processed events, 31 days old, in ${fmt((Date.now() - storing) / 1000, 1)} s; ` +
        `${fmt(eventWithBodyBytes)} bytes per event with body (${fmt(capacity.bodyBytes)} sent), ${fmt(eventWithoutBodyBytes)} without`,
    );
    ctx.throwIfAborted();

    const count = Math.round(m.rate * m.durationS);
    const stream = new OrderEventStream(runTag('maintenance'), m.orders, 10, firstOrder + 20_000);
    await checkpoint(ctx);
    const withoutPruning = await openLoop(receiver.target('orders'), { rate: m.rate, count }, (i) => stream.body(i));
    ctx.log(`  ${m.rate}/s without pruning: ack p99 ${ms(withoutPruning.p99Ms)}`);
    ctx.throwIfAborted();

    await checkpoint(ctx);
    const loadStarted = Date.now();
    const prune = runPrune(ctx, receiver.schema);
    const withPruning = await openLoop(receiver.target('orders'), { rate: m.rate, count }, (i) => stream.body(count + i));
    const loadEnded = Date.now();
    const pass = await prune;
    const overlapSeconds = (Math.min(loadEnded, pass.endedAt) - loadStarted) / 1000;
    ctx.log(`  ${m.rate}/s while pruning: ack p99 ${ms(withPruning.p99Ms)}; pruned ${fmt(pass.pruned)} bodies in ${fmt(pass.seconds, 1)} s`);
    const figures: MaintenanceFigures = {
      capacity,
      stored: m.storedEvents,
      pruned: pass.pruned,
      pruneSeconds: pass.seconds,
      rate: m.rate,
      withoutPruning,
      withPruning,
      overlapSeconds,
    };
    return { report: report(ctx, figures, count), figures };
  } finally {
    await ctx.stopReceiver(receiver);
  }
}

function report(ctx: BenchContext, f: MaintenanceFigures, count: number): ScenarioReport {
  const m = ctx.profile.maintenance;
  const c = f.capacity;
  const ratio = f.withPruning.p99Ms / f.withoutPruning.p99Ms;
  const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
  const rows: Row[] = [
    { metric: 'Stored event with body (row, TOAST, indexes)', value: `${kb(c.eventWithBodyBytes)} (body sent: ${kb(c.bodyBytes)})` },
    { metric: 'Stored event after body retention', value: `${fmt(c.eventWithoutBodyBytes)} bytes` },
    { metric: 'Order line (orders + order_lines + delivery_lines)', value: kb(c.orderLineBytes) },
    { metric: 'History (`changes`) per processed order event', value: kb(c.changesPerEventBytes) },
    { metric: 'Bodies pruned / pass duration', value: `${fmt(f.pruned)} in ${fmt(f.pruneSeconds, 1)} s (${fmt(f.pruned / f.pruneSeconds)} per s)`, target: `all ${fmt(f.stored)}`, met: f.pruned === f.stored },
    { metric: `Ack p99 at ${f.rate}/s, no pruning`, value: ms(f.withoutPruning.p99Ms) },
    {
      metric: `Ack p99 at ${f.rate}/s while pruning`,
      value: ms(f.withPruning.p99Ms),
      ratio: `${fmt(ratio, 2)}×`,
      target: '≤ 1.5× without pruning',
      met: ratio <= 1.5 && f.withPruning.accepted === count && f.withoutPruning.accepted === count,
    },
    { metric: 'Accepted (no pruning / pruning)', value: `${fmt(f.withoutPruning.accepted)} / ${fmt(f.withPruning.accepted)} of ${fmt(count)}` },
  ];
  for (const perDay of [1_000, 10_000, 100_000]) {
    const size = projectedBytes(c, perDay);
    rows.push({ metric: `Projected at ${fmt(perDay)} events/day: first 30 days / 1 year / each later year`, value: `${gb(size.perDayFirstMonth)}/day / ${gb(size.firstYear)} / +${gb(size.laterYear)}` });
  }
  const notes = [
    'Projection (default retention: bodies 30 d, rows 400 d, changes kept): inbox = events × (30 d with body + the rest without), ' +
      'history = events × history per event, order lines = 1 new line per event (an order of 10 lines receiving 10 events in its life). ' +
      'The bench\'s events change every line (two variants alternate), so history per event is an upper bound; real events change a few lines.',
    'Each load starts right after a CHECKPOINT, so that neither pays for the WAL of what ran before it (the stored events, the other load).',
    `The pass ran during ${fmt(f.overlapSeconds, 1)} s of the ${fmt(f.withPruning.durationS, 1)} s load${f.pruneSeconds < f.withPruning.durationS ? ' (it finished before the load did: the rest of the load ran without it)' : ''}.`,
    'Bytes are pg_total_relation_size differences (heap, TOAST and every index) after VACUUM ANALYZE; "after body retention" is measured on a copy of the rows with their body removed, with the same indexes.',
  ];
  return {
    id: 'maintenance',
    title: '6. Maintenance: pruning event bodies while webhooks arrive',
    setup:
      `${fmt(f.stored)} processed 10-line orderEvent events stored 31 days old (default EVENTS_BODY_RETENTION 30d); the same ${m.rate}/s open-loop load of ` +
      `10-line order events for ${m.durationS} s offered twice to one receiver: alone, then while \`tradecloud prune\` (the compiled CLI, batches of 1,000) ` +
      `removes those bodies. Before: ${fmt(m.orderEvents)} order events over ${m.orders} orders processed, for the bytes per order line and of history.`,
    rows,
    notes,
  };
}

/**
 * Starts a window from a clean checkpoint: storing 200,000 events (or the window before) leaves
 * gigabytes of WAL whose checkpoint would otherwise fall into whichever window comes next, and its
 * stalls then decide that window's p99. The pass's own WAL, and the checkpoints it causes, stay in
 * the window with pruning. On a server the benchmark may not checkpoint (DATABASE_URL), nothing.
 */
async function checkpoint(ctx: BenchContext): Promise<void> {
  await ctx.db.pool.query('CHECKPOINT').catch((error: Error) => ctx.log(`  no CHECKPOINT before the window: ${error.message}`));
}

/**
 * Bytes of tables (heap, TOAST, every index) after VACUUM ANALYZE, or after VACUUM FULL
 * (`compact`): the live rows only, without the space earlier versions left for reuse.
 */
async function tableBytes(ctx: BenchContext, schema: string, ...tables: string[]): Promise<number> {
  return measureBytes(ctx, schema, false, tables);
}

async function measureBytes(ctx: BenchContext, schema: string, compact: boolean, tables: string[]): Promise<number> {
  await ctx.db.pool.query(`VACUUM ${compact ? 'FULL ' : ''}ANALYZE ${tables.map((table) => `"${schema}".${table}`).join(', ')}`);
  const { rows } = await ctx.db.pool.query<{ bytes: string }>(
    `SELECT sum(pg_total_relation_size(format('%I.%I', $1::text, t)::regclass))::text AS bytes FROM unnest($2::text[]) AS t`,
    [schema, tables],
  );
  return Number(rows[0].bytes);
}

/**
 * Processes order events on the receiver: bytes per order line (its share of the order, its
 * delivery lines; live rows, compacted: each order received several versions, whose old row
 * versions leave space that later updates reuse), and of history per event.
 */
async function measureOrderLines(ctx: BenchContext, receiver: Receiver, firstOrder: number): Promise<Pick<CapacityFigures, 'orderLineBytes' | 'changesPerEventBytes'>> {
  const m = ctx.profile.maintenance;
  const orderTables = ['orders', 'order_lines', 'delivery_lines'];
  const ordersBefore = await measureBytes(ctx, receiver.schema, true, orderTables);
  const changesBefore = await tableBytes(ctx, receiver.schema, 'changes');
  const drained = await drain(ctx, receiver, orderEvents(runTag('capacity'), m.orderEvents, m.orders, 10, firstOrder), m.timeoutS);
  if (!drained.finished) throw new Error(`capacity: ${m.orderEvents} order events not processed within ${m.timeoutS} s`);
  const lines = Number((await ctx.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${receiver.schema}".order_lines`)).rows[0].n);
  return {
    orderLineBytes: ((await measureBytes(ctx, receiver.schema, true, orderTables)) - ordersBefore) / lines,
    changesPerEventBytes: ((await tableBytes(ctx, receiver.schema, 'changes')) - changesBefore) / m.orderEvents,
  };
}

/** Bytes per event once its body is gone: the processed rows copied without body into a table with the inbox's columns, constraints and indexes. */
async function measurePrunedRow(ctx: BenchContext, schema: string): Promise<number> {
  const s = `"${schema}"`;
  await ctx.db.pool.query(`CREATE TABLE ${s}.capacity_probe (LIKE ${s}.webhook_events INCLUDING ALL)`);
  try {
    const copied = await ctx.db.pool.query(
      `INSERT INTO ${s}.capacity_probe OVERRIDING SYSTEM VALUE
       SELECT id, received_at, endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, status, attempts, last_error,
              processed_at, outcome, NULL, NULL, now()
         FROM ${s}.webhook_events WHERE status = 'processed'`,
    );
    return (await tableBytes(ctx, schema, 'capacity_probe')) / (copied.rowCount ?? 1);
  } finally {
    await ctx.db.pool.query(`DROP TABLE ${s}.capacity_probe`);
  }
}

/** Inserts processed events `ageDays` old (no job: nothing processes them again), 200 per statement, 3 connections. */
async function storeProcessedEvents(ctx: BenchContext, schema: string, events: EventSource, ageDays: number): Promise<void> {
  const receivedAt = new Date(Date.now() - ageDays * DAY_MS).toISOString();
  // The outcome processing recorded for a real event of the same shape, so that rows weigh what processed rows weigh.
  const { rows: outcome } = await ctx.db.pool.query<{ outcome: string | null }>(
    `SELECT outcome::text AS outcome FROM "${schema}".webhook_events WHERE status = 'processed' AND outcome IS NOT NULL ORDER BY id DESC LIMIT 1`,
  );
  const batch = 200;
  const starts: number[] = [];
  for (let start = 0; start < events.count; start += batch) starts.push(start);
  const insert = async () => {
    for (let start = starts.shift(); start !== undefined && !ctx.aborted(); start = starts.shift()) {
      const values: unknown[] = [receivedAt, outcome[0]?.outcome ?? null];
      const rows = Array.from({ length: Math.min(batch, events.count - start) }, (_, index) => {
        const event = events.at(start + index);
        values.push(event.endpoint, event.payloadKind, event.eventName, event.entityId, event.messageId, `${event.endpoint}:message:${event.messageId}`, event.body);
        const p = index * 7 + 2;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::jsonb, 'processed', 1, $1::timestamptz, $1::timestamptz, $2::jsonb)`;
      });
      await ctx.db.pool.query(
        `INSERT INTO "${schema}".webhook_events (endpoint, payload_kind, event_name, entity_id, message_id, dedupe_key, body, status, attempts, received_at, processed_at, outcome)
         VALUES ${rows.join(', ')}`,
        values,
      );
    }
  };
  await Promise.all([insert(), insert(), insert()]);
  ctx.throwIfAborted();
}

/** `tradecloud prune --json` of the receiver's build, as an operator (or a receiver's scheduled pass) would run it. */
function runPrune(ctx: BenchContext, schema: string): Promise<{ pruned: number; seconds: number; endedAt: number }> {
  const cli = path.join(path.dirname(receiverMain()), 'cli', 'main.js');
  const started = Date.now();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !/^(DATABASE_|EVENTS_|CHANGES_|MAINTENANCE_|DOCUMENTS_)/.test(key)) env[key] = value;
  Object.assign(env, { DATABASE_URL: ctx.db.url, DATABASE_SCHEMA: schema, DOCUMENTS_ORPHAN_CLEANUP: 'false' });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, 'prune', '--json'], { env, timeout: 30 * 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`tradecloud prune failed: ${error.message}\n${stderr}`));
      const result = JSON.parse(stdout) as { removed: { eventBodies: number } };
      resolve({ pruned: result.removed.eventBodies, seconds: (Date.now() - started) / 1000, endedAt: Date.now() });
    });
  });
}

/** GB with one decimal below 10. */
function gb(bytes: number): string {
  const value = bytes / 1024 ** 3;
  return value < 0.1 ? `${fmt(bytes / 1024 ** 2)} MB` : `${fmt(value, value < 10 ? 1 : 0)} GB`;
}

/**
 * Database size from the measured figures at `perDay` events a day with the default retention:
 * bodies 30 days, rows 400 days, history kept, 1 new order line per event.
 */
export function projectedBytes(c: CapacityFigures, perDay: number): { perDayFirstMonth: number; firstYear: number; laterYear: number } {
  const linesPerDay = perDay;
  const perDayFirstMonth = perDay * (c.eventWithBodyBytes + c.changesPerEventBytes) + linesPerDay * c.orderLineBytes;
  const inboxAt = (days: number) => perDay * (Math.min(days, 30) * c.eventWithBodyBytes + Math.max(0, Math.min(days, 400) - 30) * c.eventWithoutBodyBytes);
  const growing = (days: number) => days * (perDay * c.changesPerEventBytes + linesPerDay * c.orderLineBytes);
  return { perDayFirstMonth, firstYear: inboxAt(365) + growing(365), laterYear: inboxAt(730) - inboxAt(365) + growing(365) };
}
