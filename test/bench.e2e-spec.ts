import { beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../bench/options';
import { statementKey } from '../bench/profile/probe';
import { renderMarkdown, RunInfo } from '../bench/report';
import { runBench } from '../bench/run';
import type { IngestFigures } from '../bench/scenarios/ingest';
import type { BareFigures } from '../bench/bare-applier';
import type { DrainFigures } from '../bench/scenarios/processing';
import type { LagFigures } from '../bench/scenarios/lag';
import type { LargeOrderFigures } from '../bench/scenarios/large-order';
import type { MaintenanceFigures } from '../bench/scenarios/maintenance';
import { readmeCookbook, SqlCookbookFigures } from '../bench/scenarios/sql-cookbook';
import { useDatabase } from './support/receiver-fixture';

/**
 * Keeps `npm run bench` runnable: its smoke mode (a handful of requests per scenario) against the
 * compiled receiver (dist/, built by npm test) and the baseline (in-process here), on a database
 * of its own. No figure is judged: only that every scenario ran and its events were processed.
 */
describe('benchmark smoke run (npm run bench -- --smoke)', () => {
  const database = useDatabase('bench');
  let info: RunInfo;

  beforeAll(async () => {
    info = await runBench({
      args: parseArgs(['--smoke']),
      command: 'vitest test/bench.e2e-spec.ts',
      databaseUrl: database.url,
      baselineHost: 'in-process',
      signal: new AbortController().signal,
      log: () => undefined,
    });
  }, 180_000);

  it('runs every smoke scenario without failure', () => {
    expect(info.failures).toEqual({});
    expect(info.scenarios.map((scenario) => scenario.id)).toEqual(['ingest', 'processing', 'lag', 'large-order', 'maintenance', 'sql-cookbook']);
  });

  it('runs every README cookbook query on the generated data set', () => {
    const cookbook = info.figures.sqlCookbook as SqlCookbookFigures;
    expect(cookbook.queries.map((query) => query.title)).toEqual(readmeCookbook().map((query) => query.title));
    expect(cookbook.queries.length).toBeGreaterThanOrEqual(12);
    expect(cookbook).toMatchObject({ orders: 500, lines: 1_500, deliveryRows: 12_000 });
    expect(cookbook.queries.every((query) => Number.isFinite(query.medianMs))).toBe(true);
  });

  it('gets only 202 answers from the baseline, the framework floor and the receiver, with Basic auth', () => {
    const { baseline, framework, receiver } = info.figures.ingest as IngestFigures;
    for (const result of [baseline.closed, baseline.fixed, framework!.closed, receiver.closed, receiver.fixed]) {
      expect(result.accepted).toBeGreaterThan(0);
      expect(result.otherStatuses).toEqual({});
      expect(result.errors).toBe(0);
    }
    expect(baseline.fixed.accepted).toBe(50);
  });

  it('drains every pre-stored order and shipment event', () => {
    const { orders, shipments } = info.figures.processing as { orders: DrainFigures; shipments: DrainFigures };
    // Events of one order are queued in version order; "stale" (an older version applied after a newer one) is allowed, failures are not.
    expect(orders).toMatchObject({ finished: true, events: 60, counts: { failed: 0, dead: 0, pending: 0 } });
    // How many end `stale` depends on how the workers' batches interleave (up to 10 of 60 seen on
    // an idle machine); what must hold is that every event ends processed or stale and that the
    // newest version of each of the 10 orders, which nothing can overtake, is processed.
    expect(orders.counts.processed + orders.counts.stale).toBe(60);
    expect(orders.counts.processed).toBeGreaterThanOrEqual(10);
    expect(shipments).toMatchObject({ finished: true, events: 10, counts: { failed: 0, dead: 0, pending: 0 } });
    expect(orders.perSecond).toBeGreaterThan(0);
  });

  it('applies the same events with the bare applier, writing the same rows as the receiver', () => {
    const { bare } = info.figures.processing as { bare: BareFigures };
    expect(bare.orders).toMatchObject({ events: 60, counts: { processed: 60, stale: 0 } });
    expect(bare.shipments).toMatchObject({ events: 10, counts: { processed: 10, stale: 0 } });
    expect(bare.orders!.perSecond).toBeGreaterThan(0);
    // Every table the receiver fills for these events, row for row (bookkeeping columns aside).
    expect(bare.tables!.map((table) => table.table)).toEqual(['orders', 'order_lines', 'delivery_lines', 'delivery_history', 'shipments', 'shipment_lines']);
    for (const table of bare.tables!) expect(table).toMatchObject({ bare: table.receiver, differing: 0 });
    expect(bare.tables!.find((table) => table.table === 'order_lines')!.bare).toBe(100);
    expect(bare.tables!.find((table) => table.table === 'shipment_lines')!.bare).toBe(250);
    const processing = info.scenarios.find((scenario) => scenario.id === 'processing')!;
    expect(processing.rows.find((row) => row.target === '≥ 0.5×')?.met).not.toBeNull();
  });

  it('measures the lag of every event sent at a fixed rate, and processes a large order', () => {
    const lag = info.figures.lag as LagFigures;
    expect(lag).toMatchObject({ offered: 40, accepted: 40, events: 40, finished: true });
    expect(lag.p99Ms).toBeGreaterThanOrEqual(lag.p50Ms);
    const large = info.figures.largeOrder as LargeOrderFigures;
    expect(large).toMatchObject({ status: 202, eventStatus: 'processed' });
    expect(large.peakRssBytes).toBeGreaterThan(0);
  });

  it('prunes every stored body while events arrive, and measures the bytes per stored event', () => {
    const maintenance = info.figures.maintenance as MaintenanceFigures;
    expect(maintenance).toMatchObject({ stored: 1_000, pruned: 1_000 });
    expect(maintenance.withoutPruning.accepted).toBe(40);
    expect(maintenance.withPruning.accepted).toBe(40);
    // A body of about 23 KB is stored compressed; without it the row is well under a kilobyte.
    expect(maintenance.capacity.eventWithBodyBytes).toBeGreaterThan(2 * maintenance.capacity.eventWithoutBodyBytes);
    expect(maintenance.capacity.eventWithoutBodyBytes).toBeGreaterThan(100);
    expect(maintenance.capacity.orderLineBytes).toBeGreaterThan(0);
  });

  it('renders the report with the targets and a table per scenario', () => {
    const markdown = renderMarkdown(info);
    expect(markdown).toContain('## Targets');
    expect(markdown).toContain('| Events/s, 4 connections |');
    expect(markdown).toContain('## 4. Large order');
    expect(markdown).toContain(process.version);
  });
});

describe('benchmark arguments', () => {
  it('keeps the profile scenario’s CPU profiles in the folder --keep-profiles names, and refuses an empty one', () => {
    expect(parseArgs(['--only', 'profile', '--keep-profiles', '/tmp/profiles'])).toMatchObject({ only: ['profile'], keepProfiles: '/tmp/profiles' });
    expect(parseArgs(['--keep-profiles=/tmp/p']).keepProfiles).toBe('/tmp/p');
    expect(parseArgs([]).keepProfiles).toBeUndefined();
    expect(() => parseArgs(['--keep-profiles='])).toThrow('--keep-profiles: a folder is expected');
    expect(() => parseArgs(['--keep-profiles'])).toThrow('--keep-profiles: a folder is expected');
  });

  it('names the receiver’s claim of events apart from pg-boss’s fetch in the profile’s statement tables', () => {
    const claim = 'WITH claimed AS (SELECT id FROM "s".webhook_events WHERE status = $1 LIMIT $2 FOR UPDATE SKIP LOCKED) SELECT e.id FROM claimed c JOIN "s".webhook_events e ON e.id = c.id';
    expect(statementKey(claim)).toBe('claim (WITH … webhook_events FOR UPDATE SKIP LOCKED)');
    expect(statementKey('WITH next AS (SELECT id FROM pgboss.job WHERE name = $1 FOR UPDATE SKIP LOCKED) UPDATE pgboss.job j SET state = $2')).toBe('pg-boss fetch (WITH … UPDATE job)');
  });
});
