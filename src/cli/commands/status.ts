import { WEBHOOK_EVENT_KINDS } from '../../observability/event-kinds';
import { CliDatabase } from '../cli-database';
import { CliIo, formatAge, formatTable, formatTime, printJson } from '../cli-output';
import { printStorageStatus, readStorageStatus, StorageStatus } from './storage-status';
import { formatReconcileStatus, readReconcileStatus, ReconcileStatus } from './reconcile-status';

export interface StatusReport {
  database: { source: string; schema: string };
  events: { byStatus: Record<string, number>; byKind: Array<{ kind: string; status: string; count: number }>; total: number };
  oldestPending: { id: string; kind: string; eventName: string | null; entityId: string | null; receivedAt: string; ageSeconds: number } | null;
  lastReceived: Array<{ kind: string; id: string; eventName: string | null; status: string; receivedAt: string }>;
  dead: { count: number; latest: Array<{ id: string; kind: string; eventName: string | null; entityId: string | null; attempts: number; receivedAt: string; error: string | null }> };
  queues: Array<{ queue: string; waiting: number; active: number; oldestWaitingSeconds: number | null }>;
  documents: Record<string, number>;
  /** Table and index sizes, the oldest body kept, the last maintenance pass. */
  storage: StorageStatus;
  /** Per kind: last reconciliation pass and cursor. */
  reconcile: ReconcileStatus[];
  /** Domain-event deliveries kept in `dead_event_deliveries` (handler gone, or failed every attempt). */
  deadDeliveries: { count: number; latest: Array<{ id: string; handlerId: string; eventType: string; eventId: string; attempts: number; diedAt: string; reason: string }> };
}

/** `tradecloud status`: what an operator checks first. Every number is read from the database, so it covers all instances. */
export async function statusCommand(db: CliDatabase, io: CliIo, options: { json: boolean }): Promise<number> {
  const report = await readStatus(db);
  if (options.json) {
    printJson(io, report);
    return 0;
  }
  const statuses = Object.entries(report.events.byStatus).map(([status, count]) => `${status} ${count}`);
  io.out(`Database: ${report.database.source} (schema ${report.database.schema})`);
  io.out(`Events: ${report.events.total} in total${statuses.length ? ` (${statuses.join(', ')})` : ''}`);
  if (report.events.byKind.length) io.out(`\n${formatTable(['KIND', 'STATUS', 'COUNT'], report.events.byKind.map((row) => [row.kind, row.status, row.count]))}`);
  const oldest = report.oldestPending;
  io.out(
    `\nOldest pending: ${oldest ? `event ${oldest.id} (${oldest.kind} ${oldest.eventName ?? ''}, ${oldest.entityId ?? '-'}), received ${formatTime(oldest.receivedAt)}, ${formatAge(oldest.ageSeconds)} ago` : 'none'}`,
  );
  if (report.lastReceived.length) {
    io.out(`\nLast received per kind:\n${formatTable(['KIND', 'EVENT', 'NAME', 'STATUS', 'RECEIVED'], report.lastReceived.map((row) => [row.kind, row.id, row.eventName, row.status, formatTime(row.receivedAt)]))}`);
  }
  io.out(`\nDead events: ${report.dead.count}`);
  if (report.dead.latest.length) {
    io.out(formatTable(['EVENT', 'KIND', 'NAME', 'ENTITY', 'ATTEMPTS', 'RECEIVED', 'ERROR'], report.dead.latest.map((row) => [row.id, row.kind, row.eventName, row.entityId, row.attempts, formatTime(row.receivedAt), row.error])));
    io.out('Replay them with: tradecloud replay --status dead');
  }
  if (report.queues.length) {
    io.out(`\nQueues:\n${formatTable(['QUEUE', 'WAITING', 'ACTIVE', 'OLDEST WAITING'], report.queues.map((row) => [row.queue, row.waiting, row.active, formatAge(row.oldestWaitingSeconds)]))}`);
  }
  const documents = Object.entries(report.documents).map(([status, count]) => `${status} ${count}`);
  io.out(`\nDocuments: ${documents.length ? documents.join(', ') : 'none'}`);
  io.out(`\n${formatReconcileStatus(report.reconcile)}`);
  printStorageStatus((line) => io.out(line), report.storage);
  if (report.deadDeliveries.count) {
    io.out(`\nDead domain-event deliveries: ${report.deadDeliveries.count} (table dead_event_deliveries)`);
    io.out(
      formatTable(
        ['ID', 'HANDLER', 'EVENT', 'ATTEMPTS', 'DIED', 'REASON'],
        report.deadDeliveries.latest.map((row) => [row.id, row.handlerId, `${row.eventType} ${row.eventId}`, row.attempts, formatTime(row.diedAt), row.reason]),
      ),
    );
  }
  return 0;
}

export async function readStatus(db: CliDatabase): Promise<StatusReport> {
  const events = db.table('webhook_events');
  const byKind = await db.query<{ kind: string; status: string; count: number }>(
    `SELECT endpoint AS kind, status, count(*)::int AS count FROM ${events} GROUP BY endpoint, status ORDER BY endpoint, status`,
  );
  const byStatus: Record<string, number> = {};
  for (const row of byKind) byStatus[row.status] = (byStatus[row.status] ?? 0) + row.count;
  const [oldest] = await db.query<{ id: string; kind: string; event_name: string | null; entity_id: string | null; received_at: Date; age: number }>(
    `SELECT id::text, endpoint AS kind, event_name, entity_id, received_at, extract(epoch FROM now() - received_at)::float8 AS age
       FROM ${events} WHERE status IN ('pending', 'failed') ORDER BY received_at, id LIMIT 1`,
  );
  const lastReceived = await db.query<{ kind: string; id: string; event_name: string | null; status: string; received_at: Date }>(
    // One index probe per kind (received_at index, newest first) instead of sorting the whole inbox.
    `SELECT k.kind, e.id::text, e.event_name, e.status, e.received_at
       FROM unnest($1::text[]) AS k(kind)
       CROSS JOIN LATERAL (SELECT id, event_name, status, received_at FROM ${events}
                            WHERE endpoint = k.kind ORDER BY received_at DESC, id DESC LIMIT 1) e
      ORDER BY k.kind`,
    [WEBHOOK_EVENT_KINDS],
  );
  const [deadCount] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${events} WHERE status = 'dead'`);
  const dead = await db.query<{ id: string; kind: string; event_name: string | null; entity_id: string | null; attempts: number; received_at: Date; last_error: string | null }>(
    `SELECT id::text, endpoint AS kind, event_name, entity_id, attempts, received_at, last_error
       FROM ${events} WHERE status = 'dead' ORDER BY received_at DESC, id DESC LIMIT 10`,
  );
  const queues = (await db.hasTable('job', db.target.queueSchema))
    ? await db.query<{ queue: string; waiting: number; active: number; oldest: number | null }>(
        `SELECT name AS queue, count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS waiting,
                count(*) FILTER (WHERE state = 'active')::int AS active,
                extract(epoch FROM now() - min(created_on) FILTER (WHERE state IN ('created', 'retry')))::float8 AS oldest
           FROM ${db.queueTable('job')} WHERE state IN ('created', 'retry', 'active') GROUP BY name ORDER BY name`,
      )
    : [];
  const documentRows = await db.query<{ status: string; count: number }>(
    `SELECT content_status AS status, count(*)::int AS count FROM ${db.table('documents')} GROUP BY content_status ORDER BY content_status`,
  );
  const deadDeliveries = (await db.hasTable('dead_event_deliveries'))
    ? await db.query<{ id: string; handler_id: string; event_type: string; event_id: string; attempts: number; died_at: Date; reason: string; total: number }>(
        `SELECT id::text, handler_id, event_type, event_id, attempts, died_at, reason, count(*) OVER ()::int AS total
           FROM ${db.table('dead_event_deliveries')} ORDER BY died_at DESC, id DESC LIMIT 10`,
      )
    : [];
  return {
    database: { source: db.target.source, schema: db.target.schema },
    events: { byStatus, byKind, total: byKind.reduce((sum, row) => sum + row.count, 0) },
    oldestPending: oldest
      ? { id: oldest.id, kind: oldest.kind, eventName: oldest.event_name, entityId: oldest.entity_id, receivedAt: oldest.received_at.toISOString(), ageSeconds: oldest.age }
      : null,
    lastReceived: lastReceived.map((row) => ({ kind: row.kind, id: row.id, eventName: row.event_name, status: row.status, receivedAt: row.received_at.toISOString() })),
    dead: {
      count: deadCount?.count ?? 0,
      latest: dead.map((row) => ({
        id: row.id,
        kind: row.kind,
        eventName: row.event_name,
        entityId: row.entity_id,
        attempts: row.attempts,
        receivedAt: row.received_at.toISOString(),
        error: row.last_error,
      })),
    },
    queues: queues.map((row) => ({ queue: row.queue, waiting: row.waiting, active: row.active, oldestWaitingSeconds: row.oldest })),
    documents: Object.fromEntries(documentRows.map((row) => [row.status, row.count])),
    storage: await readStorageStatus(db),
    reconcile: await readReconcileStatus(db),
    deadDeliveries: {
      count: deadDeliveries[0]?.total ?? 0,
      latest: deadDeliveries.map((row) => ({
        id: row.id,
        handlerId: row.handler_id,
        eventType: row.event_type,
        eventId: row.event_id,
        attempts: row.attempts,
        diedAt: row.died_at.toISOString(),
        reason: row.reason,
      })),
    },
  };
}
