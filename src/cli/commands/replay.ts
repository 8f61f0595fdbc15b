import { setTimeout as sleep } from 'node:timers/promises';
import { TradecloudDatabase } from '../../database/tradecloud-database.service';
import { CliDatabase } from '../cli-database';
import { CliIo, formatTable, parseCount, parseEventIds, printJson, startProgress, usageError } from '../cli-output';
import { openModuleContext } from '../module-context';
import { revalidateRejected } from '../rejected-revalidation';
import { eventConditions, EventFilters } from './events';

export interface ReplayOptions extends Pick<EventFilters, 'status' | 'since' | 'until' | 'kind' | 'limit'> {
  json: boolean;
  dryRun: boolean;
  /** Wait until the replayed events are processed (or `timeout` seconds passed). */
  wait: boolean;
  timeout?: string;
}

export interface ReplayResult {
  id: string;
  kind: string;
  previousStatus: string;
  /** `queued`: back to pending (ready at once, with the full retry budget); `accepted`: a rejected request that passes validation now; `still-rejected`; `already-received`: a rejected request whose event arrived again meanwhile. */
  result: 'queued' | 'accepted' | 'still-rejected' | 'already-received' | 'would-replay' | 'body-removed';
  detail?: string;
  /** With --wait: the status the event reached. */
  finalStatus?: string;
}

const REPLAYABLE = ['dead', 'failed', 'rejected'];

interface Candidate {
  id: string;
  endpoint: string;
  status: string;
  body_text: string | null;
  /** Set when retention removed the body: nothing is left to process. */
  body_pruned_at: Date | null;
  payload_kind: string | null;
  /** The XML of a tXML request (with its conversion in `body`); the text of a body that was not JSON. */
  raw_body: string | null;
}

/**
 * Why a body-less event is not replayed. A resend by Tradecloud carries the same message id, so
 * it is answered as a duplicate: the way back is the entity's next event (Tradecloud sends the
 * whole order or shipment each time) or a legacy GET webhook that fetches it.
 */
function bodyRemoved(event: Candidate): string {
  return `its body was removed by retention at ${event.body_pruned_at!.toISOString()}: nothing left to process. ` +
    'The order\'s or shipment\'s next event carries its whole current state (a resend of this event is answered as a duplicate).';
}

/**
 * `tradecloud replay <id>…` / `replay --status dead|failed|rejected [--since …]`. A stored event is
 * set back to `pending`, ready at once with the full retry budget (the inbox is the processing
 * queue: a running receiver's workers claim it within their polling interval); processing is idempotent (lastUpdatedAt guards), so replaying twice changes
 * nothing more. A rejected request is validated again: valid now, it becomes a pending event
 * under its own id; otherwise it stays rejected with today's reasons.
 */
export async function replayCommand(db: CliDatabase, io: CliIo, ids: string[], options: ReplayOptions): Promise<number> {
  const candidates = await selectCandidates(db, ids, options);
  if (!candidates.length) {
    if (options.json) printJson(io, []);
    else io.out('Nothing to replay.');
    return 0;
  }
  const results: ReplayResult[] = [];
  if (options.dryRun) {
    for (const event of candidates) {
      const base = { id: event.id, kind: event.endpoint, previousStatus: event.status };
      results.push(event.body_pruned_at ? { ...base, result: 'body-removed', detail: bodyRemoved(event) } : { ...base, result: 'would-replay' });
    }
  } else {
    const context = await openModuleContext(db.target);
    const progress = startProgress(io, candidates.length, 'Replaying', options.json);
    try {
      const database = context.get(TradecloudDatabase);
      for (const event of candidates) {
        if (event.body_pruned_at) results.push({ id: event.id, kind: event.endpoint, previousStatus: event.status, result: 'body-removed', detail: bodyRemoved(event) });
        else results.push(event.status === 'rejected' ? await replayRejected(database, event) : await requeue(database, event));
        progress.tick();
      }
    } finally {
      progress.stop();
      await context.close();
    }
    if (options.wait) await waitForProcessing(db, io, results, parseCount('timeout', options.timeout, 120, 86_400), options.json);
  }
  if (options.json) {
    printJson(io, results);
  } else {
    io.out(formatTable(['EVENT', 'KIND', 'WAS', 'RESULT', ...(options.wait ? ['NOW'] : []), 'DETAIL'], results.map((r) => [r.id, r.kind, r.previousStatus, r.result, ...(options.wait ? [r.finalStatus] : []), r.detail])));
    const queued = results.filter((r) => r.result === 'queued' || r.result === 'accepted').length;
    io.out(options.dryRun ? `${results.length} event(s) would be replayed (--dry-run).` : `${queued} of ${results.length} event(s) queued for processing.`);
  }
  return 0;
}

async function selectCandidates(db: CliDatabase, ids: string[], options: ReplayOptions): Promise<Candidate[]> {
  const events = db.table('webhook_events');
  if (ids.length) {
    if (options.status) throw usageError('give event ids or --status, not both');
    const rows = await db.query<Candidate>(`SELECT id::text, endpoint, status, body::text AS body_text, body_pruned_at, payload_kind, raw_body FROM ${events} e WHERE id = ANY($1::bigint[]) ORDER BY id`, [parseEventIds(ids)]);
    const missing = ids.filter((id) => !rows.some((row) => row.id === String(BigInt(id))));
    if (missing.length) throw usageError(`no event ${missing.join(', ')}`);
    return rows;
  }
  if (!options.status) throw usageError('replay needs event ids or --status dead|failed|rejected');
  for (const status of options.status.split(',')) if (!REPLAYABLE.includes(status.trim())) throw usageError(`--status must be dead, failed or rejected, got "${options.status}"`);
  const { where, values } = eventConditions(db, { status: options.status, since: options.since, until: options.until, kind: options.kind });
  const limit = parseCount('limit', options.limit, 10_000, 1_000_000);
  return db.query<Candidate>(`SELECT e.id::text, e.endpoint, e.status, e.body::text AS body_text, e.body_pruned_at, e.payload_kind, e.raw_body FROM ${events} e ${where} ORDER BY e.received_at, e.id LIMIT ${limit}`, values);
}

async function requeue(database: TradecloudDatabase, event: Candidate): Promise<ReplayResult> {
  const base = { id: event.id, kind: event.endpoint, previousStatus: event.status };
  // Attempts stay cumulative (history); `retries` starts again, so the event gets the full retry
  // budget. Never an event whose body maintenance removed meanwhile (the database refuses it anyway).
  const updated = await database.query(
    `UPDATE ${database.table('webhook_events')} SET status = 'pending', retries = 0, available_at = now() WHERE id = $1 AND body_pruned_at IS NULL`,
    [event.id],
  );
  const removed = !updated.rowCount;
  if (removed) return { ...base, result: 'body-removed', detail: 'its body was removed by retention meanwhile: nothing left to process' };
  return { ...base, result: 'queued' };
}

async function replayRejected(database: TradecloudDatabase, event: Candidate): Promise<ReplayResult> {
  const base = { id: event.id, kind: event.endpoint, previousStatus: event.status };
  const check = await revalidateRejected(event.endpoint, event.body_text, event.payload_kind, event.raw_body);
  const table = database.table('webhook_events');
  if (!check.valid) {
    await database.query(`UPDATE ${table} SET last_error = $2 WHERE id = $1 AND status = 'rejected'`, [event.id, check.problems.join('\n')]);
    return { ...base, result: 'still-rejected', detail: check.problems.join('; ') };
  }
  const [existing] = (await database.query<{ id: string }>(`SELECT id::text FROM ${table} WHERE dedupe_key = $1`, [check.dedupeKey])).rows;
  if (existing) return { ...base, result: 'already-received', detail: `received again as event ${existing.id}` };
  try {
    await database.query(
      `UPDATE ${table} SET status = 'pending', payload_kind = $2, entity_id = $3, message_id = $4, event_name = $5, dedupe_key = $6, last_error = NULL,
              body = coalesce($7::jsonb, body), retries = 0, available_at = now()
        WHERE id = $1 AND status = 'rejected' AND body_pruned_at IS NULL`,
      [event.id, check.identity.payloadKind, check.identity.entityId, check.identity.messageId, check.eventName, check.dedupeKey, check.bodyText ?? null],
    );
  } catch (error) {
    // The same event arrived (and was stored) between the check and the update.
    if ((error as { code?: string }).code === '23505') return { ...base, result: 'already-received', detail: 'received again meanwhile' };
    throw error;
  }
  return { ...base, result: 'accepted', detail: 'valid now: stored as pending' };
}

/** Polls the replayed events until none is pending or failed any more. */
async function waitForProcessing(db: CliDatabase, io: CliIo, results: ReplayResult[], timeoutSeconds: number, json: boolean): Promise<void> {
  const ids = results.filter((r) => r.result === 'queued' || r.result === 'accepted').map((r) => r.id);
  const progress = startProgress(io, ids.length, 'Processing', json);
  const deadline = Date.now() + timeoutSeconds * 1000;
  let done = 0;
  for (;;) {
    const rows = await db.query<{ id: string; status: string }>(`SELECT id::text, status FROM ${db.table('webhook_events')} WHERE id = ANY($1::bigint[])`, [ids]);
    const statuses = new Map(rows.map((row) => [row.id, row.status]));
    for (const result of results) result.finalStatus = statuses.get(result.id) ?? result.previousStatus;
    const finished = rows.filter((row) => !['pending', 'failed'].includes(row.status)).length;
    for (; done < finished; done++) progress.tick();
    if (finished === ids.length || Date.now() > deadline) break;
    await sleep(250);
  }
  progress.stop();
  if (done < ids.length && !json) io.err(`${ids.length - done} event(s) still waiting for processing after ${timeoutSeconds} s: is a receiver running?`);
}
