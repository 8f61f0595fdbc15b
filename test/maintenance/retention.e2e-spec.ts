import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { contentFilePath, removeContentFile } from '../../src/documents/filesystem-content.store';
import { beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceService } from '../../src/maintenance/maintenance.service';
import { resolveRetentionOptions } from '../../src/maintenance/retention-options';
import { runRetentionPass } from '../../src/maintenance/retention-pass';
import { TradecloudDatabase } from '../../src/database/tradecloud-database.service';
import { TradecloudMetrics } from '../../src/observability/metrics/tradecloud-metrics';
import { runCli, runCliJson } from '../cli/cli-process';
import { PrometheusScrape } from '../observability/prometheus-text';
import { useReceiver } from '../support/receiver-fixture';
import { buildOrderEvent } from '../support/tradecloud-simulator';

const DAY = 86_400;

/**
 * Retention against a real receiver and PostgreSQL. Ages are made by backdating timestamps
 * (received_at, processed_at, recorded_at, created_at), never by waiting; scheduled passes are
 * off, so only the passes a test starts change anything.
 */
describe('data lifecycle: retention of event bodies, rows, changes and document content', () => {
  const receiver = useReceiver({
    label: 'retention',
    options: { retention: { maintenanceInterval: false, changes: '730d' } },
    providers: [TradecloudMetrics],
  });
  let env: Record<string, string>;
  const q = async <T = any>(text: string, values?: unknown[]) => (await receiver.sql.query(text.replace(/\bS\./g, `"${receiver.schema}".`), values)).rows as T[];
  const maintenance = () => receiver.app!.get(MaintenanceService);

  /**
   * A stored event as the inbox holds it, `ageDays` old (received and, when settled, processed then).
   * A pending or failed one waits for its back-off (`available_at` a day ahead): the receiver's
   * workers would otherwise take it, at a moment that depends on the machine's load.
   */
  const storeEvent = async (status: string, ageDays: number, options: { processedDaysAgo?: number; rawBody?: boolean } = {}) => {
    const body = options.rawBody ? null : JSON.stringify({ eventName: 'OrderIssuedByBuyer', orderEvent: { orderId: randomUUID() }, padding: 'x'.repeat(200) });
    const processed = ['processed', 'stale'].includes(status) ? (options.processedDaysAgo ?? ageDays) : null;
    const [row] = await q<{ id: string }>(
      `INSERT INTO S.webhook_events (endpoint, payload_kind, event_name, dedupe_key, status, attempts, received_at, processed_at, body, raw_body, available_at)
       VALUES ('orders', 'orderEvent', 'OrderIssuedByBuyer', $1, $2, 1, now() - make_interval(secs => $3), now() - make_interval(secs => $4), $5::jsonb, $6,
               CASE WHEN $2 IN ('pending', 'failed') THEN now() + interval '1 day' ELSE now() END)
       RETURNING id::text`,
      [`orders:message:${randomUUID()}`, status, ageDays * DAY, processed === null ? null : processed * DAY, body, options.rawBody ? 'not json {' : null],
    );
    return row.id;
  };
  const eventRow = async (id: string) =>
    (await q<{ status: string; has_body: boolean; pruned: boolean; attempts: number; processed_at: Date | null }>(
      `SELECT status, (body IS NOT NULL OR raw_body IS NOT NULL) AS has_body, body_pruned_at IS NOT NULL AS pruned, attempts, processed_at FROM S.webhook_events WHERE id = $1`,
      [id],
    ))[0];
  const postOrder = async (body: unknown) => {
    const response = await receiver.post('/orders', body);
    return { status: response.status, json: (await response.json()) as { eventId: string; status: string } };
  };

  beforeAll(async () => {
    env = { DATABASE_URL: receiver.database.url, DATABASE_SCHEMA: receiver.schema, CHANGES_RETENTION: '730d' };
  });

  it('old processed events lose their body and keep their row; young ones, and unprocessed ones of any age, keep theirs', async () => {
    const ids = {
      old: await storeEvent('processed', 40),
      oldStale: await storeEvent('stale', 31),
      young: await storeEvent('processed', 29),
      replayedLate: await storeEvent('processed', 40, { processedDaysAgo: 2 }),
      ancient: await storeEvent('processed', 500),
      pending: await storeEvent('pending', 500),
      failed: await storeEvent('failed', 500),
      deadYoung: await storeEvent('dead', 60),
      deadOld: await storeEvent('dead', 100),
      rejectedOld: await storeEvent('rejected', 100, { rawBody: true }),
    };
    const result = await maintenance().runPass();
    expect(result.outcome).toBe('completed');
    expect(result.removed).toEqual({ eventBodies: 3, failedEventBodies: 2, eventRows: 1, changes: 0, documentContents: 0 });

    for (const id of [ids.old, ids.oldStale]) expect(await eventRow(id)).toMatchObject({ has_body: false, pruned: true });
    for (const id of [ids.young, ids.replayedLate, ids.pending, ids.failed, ids.deadYoung]) expect(await eventRow(id)).toMatchObject({ has_body: true, pruned: false });
    for (const id of [ids.deadOld, ids.rejectedOld]) expect(await eventRow(id)).toMatchObject({ has_body: false, pruned: true });
    expect(await eventRow(ids.ancient)).toBeUndefined(); // past EVENTS_ROW_RETENTION (400d): the row went too
    // Pending and failed rows stay whatever their age, and the database refuses to take their body.
    expect(await eventRow(ids.pending)).toMatchObject({ status: 'pending', has_body: true });
    await expect(q(`UPDATE S.webhook_events SET body = NULL, body_pruned_at = now() WHERE id = $1`, [ids.failed])).rejects.toThrow(/webhook_events_pruned_settled_check/);
    // A pruned row keeps what identifies it.
    const [kept] = await q(`SELECT endpoint, payload_kind, event_name, dedupe_key, status, attempts, received_at, processed_at FROM S.webhook_events WHERE id = $1`, [ids.old]);
    expect(kept).toMatchObject({ endpoint: 'orders', payload_kind: 'orderEvent', event_name: 'OrderIssuedByBuyer', status: 'processed', attempts: 1 });
    expect(kept.dedupe_key).toMatch(/^orders:message:/);
  });

  it('a redelivery of an event whose body was pruned is answered as a duplicate and not processed again', async () => {
    const event = buildOrderEvent({ seed: 1901, eventName: 'OrderIssuedByBuyer', lastUpdatedAt: '2025-06-12T09:00:00.000Z' });
    const first = await postOrder(event);
    expect(first.status).toBe(202);
    await receiver.waitForEvents([first.json.eventId], ['processed']);
    await q(`UPDATE S.webhook_events SET received_at = now() - interval '31 days', processed_at = now() - interval '31 days' WHERE id = $1`, [first.json.eventId]);
    const before = await eventRow(first.json.eventId);
    const [changesBefore] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM S.changes`);
    expect((await maintenance().runPass()).removed.eventBodies).toBe(1);
    expect(await eventRow(first.json.eventId)).toMatchObject({ has_body: false, pruned: true });

    const again = await postOrder(event);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'duplicate', eventId: first.json.eventId });
    // A later event of another order is processed: the workers ran after the redelivery.
    const later = await postOrder(buildOrderEvent({ seed: 1902, eventName: 'OrderIssuedByBuyer' }));
    await receiver.waitForEvents([later.json.eventId], ['processed']);
    expect(await eventRow(first.json.eventId)).toEqual({ ...before, has_body: false, pruned: true });
    const [changesAfter] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM S.changes WHERE event_id <> $1`, [later.json.eventId]);
    expect(changesAfter.n).toBe(changesBefore.n);
  });

  it('replay of an event without body says so and leaves it as it is', async () => {
    const id = await storeEvent('processed', 45);
    await maintenance().runPass();
    const [result] = await runCliJson(['replay', id], env);
    expect(result).toMatchObject({ id, result: 'body-removed' });
    expect(result.detail).toMatch(/body was removed by retention .*next event carries its whole current state/);
    expect(await eventRow(id)).toMatchObject({ status: 'processed', pruned: true });
    const shown = await runCli(['events', 'show', id], env);
    expect(shown.stdout).toMatch(/Body: removed by retention at /);
  });

  it('prune --dry-run changes nothing and reports the counts a real run then removes', async () => {
    for (const age of [35, 50, 70]) await storeEvent('processed', age);
    await storeEvent('dead', 95);
    await storeEvent('rejected', 120, { rawBody: true });
    const [changed] = await q<{ id: string }>(
      `INSERT INTO S.changes (entity, change_type, order_id, recorded_at) VALUES ('order', 'created', $1, now() - interval '800 days'), ('order', 'updated', $1, now() - interval '10 days') RETURNING id::text`,
      [randomUUID()],
    );
    expect(changed).toBeDefined();
    const orphan = randomBytes(32).toString('hex');
    await q(`INSERT INTO S.document_contents (sha256, storage, content, size_bytes, created_at) VALUES ($1, 'postgres', '\\x00'::bytea, 1, now() - interval '2 days')`, [orphan]);
    const fresh = randomBytes(32).toString('hex'); // unreferenced, but stored today: a download may be about to link it
    await q(`INSERT INTO S.document_contents (sha256, storage, content, size_bytes) VALUES ($1, 'postgres', '\\x00'::bytea, 1)`, [fresh]);

    const digest = async () =>
      (
        await q<{ digest: string }>(
          `SELECT (SELECT md5(string_agg(id || ':' || status || ':' || coalesce(md5(body::text), '-') || coalesce(raw_body, '-') || coalesce(body_pruned_at::text, '-'), ',' ORDER BY id)) FROM S.webhook_events)
               || (SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM S.changes)
               || (SELECT md5(string_agg(sha256, ',' ORDER BY sha256)) FROM S.document_contents) AS digest`,
        )
      )[0].digest;
    const before = await digest();
    const dryRun = await runCliJson(['prune', '--dry-run'], env);
    expect(await digest()).toBe(before);
    expect(dryRun).toMatchObject({ dryRun: true, retention: { eventBodies: '30d', eventRows: '400d', failedEventBodies: '90d', changes: '730d' } });
    expect(dryRun.removed).toEqual({ eventBodies: 3, failedEventBodies: 2, eventRows: 0, changes: 1, documentContents: 1 });

    const real = await runCliJson(['prune'], env);
    expect(real).toMatchObject({ dryRun: false, interrupted: false });
    expect(real.removed).toEqual(dryRun.removed);
    expect(await digest()).not.toBe(before);
    expect(await q(`SELECT sha256 FROM S.document_contents WHERE sha256 = ANY($1)`, [[orphan, fresh]])).toEqual([{ sha256: fresh }]);
    const after = await runCliJson(['prune', '--dry-run'], env);
    expect(after.removed).toEqual({ eventBodies: 0, failedEventBodies: 0, eventRows: 0, changes: 0, documentContents: 0 });

    const text = await runCli(['prune', '--dry-run'], { ...env, EVENTS_BODY_RETENTION: '1s' });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Would remove \(--dry-run, nothing changed\): [1-9]\d* event bodies/);
    const bad = await runCli(['prune'], { ...env, EVENTS_BODY_RETENTION: 'a month' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Configuration error: EVENTS_BODY_RETENTION must be a duration such as 90s, 12h or 30d, or off, got "a month"/);
  });

  it('a pass interrupted halfway leaves consistent tables, and the next pass finishes the work', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await storeEvent('processed', 60 + i));
    const tradecloud = receiver.app!.get(TradecloudDatabase);
    const options = resolveRetentionOptions({ batchSize: 2, orphanedDocumentContent: false }, []);
    let batches = 0;
    const interrupted = await runRetentionPass(tradecloud, options, { afterBatch: () => ++batches < 2 });
    expect(interrupted).toEqual({ stopped: true, counts: { eventBodies: 4, failedEventBodies: 0, eventRows: 0, changes: 0, documentContents: 0 } });
    const states = await q<{ id: string; has_body: boolean; pruned: boolean }>(
      `SELECT id::text, body IS NOT NULL AS has_body, body_pruned_at IS NOT NULL AS pruned FROM S.webhook_events WHERE id = ANY($1::bigint[]) ORDER BY received_at DESC`,
      [ids],
    );
    // Oldest first: the four oldest lost their body, the three youngest kept it; no row is half-pruned.
    expect(states.map((row) => [row.has_body, row.pruned])).toEqual([...Array(3).fill([true, false]), ...Array(4).fill([false, true])]);

    // A pass killed while holding the lease: the lease runs out and the next pass takes over.
    await q(`UPDATE S.maintenance_state SET leased_by = 'killed-instance', leased_until = now() - interval '1 second' WHERE task = 'retention'`);
    const next = await maintenance().runPass();
    expect(next.outcome).toBe('completed');
    expect(next.removed.eventBodies).toBe(3);
    expect(await q(`SELECT 1 FROM S.webhook_events WHERE id = ANY($1::bigint[]) AND body IS NOT NULL`, [ids])).toEqual([]);
  });

  it('a prune process killed (SIGKILL) in the middle of its pass leaves consistent tables; the next pass finishes', async () => {
    const tag = randomUUID();
    await q(
      `INSERT INTO S.webhook_events (endpoint, payload_kind, event_name, dedupe_key, status, attempts, received_at, processed_at, body)
       SELECT 'orders', 'orderEvent', 'OrderIssuedByBuyer', $1 || ':' || n, 'processed', 1, now() - interval '45 days', now() - interval '45 days',
              jsonb_build_object('eventName', 'OrderIssuedByBuyer', 'n', n, 'padding', repeat('x', 500))
         FROM generate_series(1, 3000) AS n`,
      [`orders:message:${tag}`],
    );
    const mine = `dedupe_key LIKE 'orders:message:${tag}:%'`;
    const cli = spawn(process.execPath, [path.resolve(__dirname, '../../dist/src/cli/main.js'), 'prune', '--json'], {
      env: { ...process.env, ...env, MAINTENANCE_BATCH_SIZE: '1', DOCUMENTS_ORPHAN_CLEANUP: 'false' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.on('exit', (_code, signal) => resolve(signal)));
    // Killed as soon as its first batches are committed (one row per batch: thousands of batches to go).
    await expect.poll(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM S.webhook_events WHERE ${mine} AND body_pruned_at IS NOT NULL`))[0].n, { interval: 10 }).toBeGreaterThan(0);
    cli.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // Its server session may still be finishing the batch it had sent (a COMMIT on its way): the
    // tables are read once that session has ended.
    await expect
      .poll(async () => (await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tradecloud-cli'`))[0].n)
      .toBe(0);

    const [state] = await q<{ pruned: number; kept: number; inconsistent: number }>(
      `SELECT count(*) FILTER (WHERE body IS NULL AND body_pruned_at IS NOT NULL)::int AS pruned,
              count(*) FILTER (WHERE body IS NOT NULL AND body_pruned_at IS NULL)::int AS kept,
              count(*) FILTER (WHERE (body IS NULL) <> (body_pruned_at IS NOT NULL))::int AS inconsistent
         FROM S.webhook_events WHERE ${mine}`,
    );
    expect(state.inconsistent).toBe(0);
    expect(state.pruned).toBeGreaterThan(0);
    expect(state.kept).toBeGreaterThan(0); // killed halfway, not after the end
    expect(state.pruned + state.kept).toBe(3000);
    // It died holding the lease: until the lease runs out (5 minutes, here made to have passed) nobody else prunes.
    const [lease] = await q<{ leased_by: string; live: boolean }>(`SELECT leased_by, leased_until > now() AS live FROM S.maintenance_state WHERE task = 'retention'`);
    expect(lease).toMatchObject({ live: true });
    expect(lease.leased_by).toMatch(/:cli$/);
    expect((await maintenance().runPass()).outcome).toBe('skipped');
    await q(`UPDATE S.maintenance_state SET leased_until = now() - interval '1 second' WHERE task = 'retention'`);
    const next = await maintenance().runPass();
    expect(next.outcome).toBe('completed');
    expect(next.removed.eventBodies).toBe(state.kept);
    expect(await q(`SELECT 1 FROM S.webhook_events WHERE ${mine} AND body IS NOT NULL`)).toEqual([]);
  });

  it('unreferenced content of the filesystem storage loses its file and its row; referenced content stays', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tradecloud-retention-'));
    try {
      const [orphan, referenced] = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
      for (const sha256 of [orphan, referenced]) {
        mkdirSync(path.dirname(contentFilePath(directory, sha256)), { recursive: true });
        writeFileSync(contentFilePath(directory, sha256), 'content');
        await q(`INSERT INTO S.document_contents (sha256, storage, size_bytes, created_at) VALUES ($1, 'filesystem', 7, now() - interval '3 days')`, [sha256]);
      }
      await q(
        `INSERT INTO S.documents (document_key, shipment_id, side, content_status, document, sha256) VALUES ($1, 'SHP-RETENTION', 'buyer', 'stored', '{}'::jsonb, $2)`,
        [`object:${randomUUID()}`, referenced],
      );
      const tradecloud = receiver.app!.get(TradecloudDatabase);
      const onlyContent = resolveRetentionOptions({ eventBodies: false, eventRows: false, failedEventBodies: false }, []);
      // Without the content directory (the CLI elsewhere), filesystem content is left alone.
      expect((await runRetentionPass(tradecloud, onlyContent, {})).counts.documentContents).toBe(0);
      const pass = await runRetentionPass(tradecloud, onlyContent, { removeContentFile: (sha256) => removeContentFile(directory, sha256) });
      expect(pass.counts.documentContents).toBe(1);
      expect(existsSync(contentFilePath(directory, orphan))).toBe(false);
      expect(existsSync(contentFilePath(directory, referenced))).toBe(true);
      expect(await q(`SELECT sha256 FROM S.document_contents WHERE sha256 = ANY($1)`, [[orphan, referenced]])).toEqual([{ sha256: referenced }]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('one pass at a time: while another instance holds the lease a pass is skipped', async () => {
    await q(`UPDATE S.maintenance_state SET leased_by = 'other-instance', leased_until = now() + interval '5 minutes' WHERE task = 'retention'`);
    const id = await storeEvent('processed', 40);
    expect((await maintenance().runPass()).outcome).toBe('skipped');
    expect(await eventRow(id)).toMatchObject({ has_body: true });
    const cli = await runCli(['prune'], env);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/A maintenance pass is running/);
    await q(`UPDATE S.maintenance_state SET leased_by = NULL, leased_until = NULL WHERE task = 'retention'`);
    expect((await maintenance().runPass()).outcome).toBe('completed');
    expect(await eventRow(id)).toMatchObject({ has_body: false });
  });

  it('metrics and status report table sizes, the oldest body kept and the maintenance passes', async () => {
    const scrape = new PrometheusScrape(await receiver.app!.get(TradecloudMetrics).metrics());
    expect(scrape.value('tradecloud_maintenance_runs_total', { outcome: 'completed' })).toBeGreaterThanOrEqual(4);
    expect(scrape.value('tradecloud_maintenance_runs_total', { outcome: 'skipped' })).toBe(2);
    expect(scrape.value('tradecloud_maintenance_deleted_total', { what: 'event_bodies' })).toBeGreaterThanOrEqual(8);
    expect(scrape.value('tradecloud_maintenance_deleted_total', { what: 'event_rows' })).toBe(1);
    expect(scrape.value('tradecloud_table_bytes', { table: 'webhook_events' })).toBeGreaterThan(8192);
    expect(scrape.value('tradecloud_table_bytes', { table: 'orders' })).toBeGreaterThan(0);
    // The oldest body kept: the first test's event received 40 days ago but processed (replayed) 2 days ago.
    expect(scrape.value('tradecloud_events_oldest_body_age_seconds')).toBeGreaterThan(40 * DAY - 60);
    expect(scrape.value('tradecloud_events_oldest_body_age_seconds')).toBeLessThan(41 * DAY);

    const status = await runCliJson(['status'], env);
    expect(status.storage.tables.find((row: { table: string }) => row.table === 'webhook_events').bytes).toBeGreaterThan(8192);
    expect(status.storage.oldestBody.ageSeconds).toBeGreaterThan(40 * DAY - 60);
    expect(status.storage.prunedEvents).toBeGreaterThanOrEqual(10);
    expect(status.storage.maintenance).toMatchObject({ outcome: 'completed', running: false });
    expect(Date.parse(status.storage.maintenance.finishedAt)).toBeGreaterThan(Date.now() - 600_000);
    const text = await runCli(['status'], env);
    expect(text.stdout).toMatch(/Storage: .* in \d+ tables/);
    expect(text.stdout).toMatch(/Oldest body kept: event \d+, received .*, 40 d ago/);
    expect(text.stdout).toMatch(/Maintenance: last ran .* \(completed\)/);
  });

  it('a receiver runs passes on its own every maintenance interval', async () => {
    const id = await storeEvent('processed', 33);
    const [before] = await q<{ last_started_at: Date }>(`SELECT last_started_at FROM S.maintenance_state WHERE task = 'retention'`);
    // A second instance on the same database, with a 2-second interval (its first pass follows after one interval).
    const scheduled = await receiver.startAnother({ options: { retention: { maintenanceInterval: '2s' } }, providers: [] });
    try {
      await expect.poll(async () => (await eventRow(id)).has_body).toBe(false);
      const [after] = await q<{ last_started_at: Date; last_outcome: string }>(`SELECT last_started_at, last_outcome FROM S.maintenance_state WHERE task = 'retention'`);
      expect(after.last_started_at.getTime()).toBeGreaterThan(before.last_started_at.getTime());
      await expect.poll(async () => (await q(`SELECT last_outcome FROM S.maintenance_state WHERE task = 'retention'`))[0].last_outcome).toBe('completed');
    } finally {
      await scheduled.close();
    }
  });
});
