// The DTOs' decorators need the Reflect metadata API (the receiver gets it from Nest; the bench loads it itself).
import 'reflect-metadata';
import { BenchContext, Receiver, Row, ScenarioReport } from '../context';
import { orderEventTemplate, runTag, versionTime } from '../bodies';
import { postOnce } from '../load';
import { megabytes } from '../memory';
import { fmt, ms, sleep } from '../stats';
import { parseExact } from '../../src/changes/lossless-json';
import { jsonToTxml } from '../../src/inbox/txml/json-to-txml';
import { OrderWebhookBodyDto } from '../../src/orders/dto/order-events.dto';

/** One large order sent once: how long until the 2xx and until processed, and the receiver's memory meanwhile. */
export interface LargeOrderRun {
  bodyMb: number;
  status: number;
  ackMs: number;
  /** From sending the request to seeing the event processed (polled every 10 ms). */
  processedMs: number;
  /** processed_at − received_at, PostgreSQL clocks. */
  dbProcessingMs: number;
  eventStatus: string;
  /** Processing attempts (more than 1: an attempt failed and the queue retried it after a back-off). */
  attempts: number;
  lastError: string | null;
  peakRssBytes: number;
}

/** The JSON order's figures, and those of its tXML twin (the same order as Tradecloud's XML, sent after it as a new order). */
export interface LargeOrderFigures extends LargeOrderRun {
  txml?: LargeOrderRun;
}

/**
 * Scenario 4: one orderEvent with N lines of M schedule entries each, on a receiver with an
 * empty queue: time to the 2xx, time until the event is processed, and the receiver's peak RSS
 * meanwhile (its VmHWM is reset first where the kernel allows it). Then its tXML twin: the same
 * order written as tXML (a new order id), measured the same way.
 */
export async function runLargeOrder(ctx: BenchContext, receiver: Receiver, order: number): Promise<{ report: ScenarioReport; figures: LargeOrderFigures }> {
  const { lines, scheduleEntries } = ctx.profile.largeOrder;
  ctx.log(`Scenario 4: large order (${lines} lines × ${scheduleEntries} schedule entries)`);
  // Both bodies are built before the first request and kept as bytes: building the tXML twin
  // (a parse and a conversion of 11.6 MB) between the two requests left this process's garbage
  // collector busy on one of the machine's cores while the receiver and PostgreSQL were measured.
  const json = Buffer.from(orderEventTemplate(order, lines, 0, scheduleEntries).render(runTag('large'), versionTime(0)));
  let txml: Buffer | undefined = Buffer.from(
    jsonToTxml(parseExact(orderEventTemplate(order + 1, lines, 0, scheduleEntries).render(runTag('large-txml'), versionTime(0))) as Record<string, unknown>, OrderWebhookBodyDto),
  );
  const figures: LargeOrderFigures = await sendOnce(ctx, receiver, json, 'application/json', 'JSON');
  if (!ctx.aborted()) {
    const twin = txml;
    txml = undefined; // the bytes are kept only by the request
    figures.txml = await sendOnce(ctx, receiver, twin, 'application/xml', 'tXML');
  }

  const rows: Row[] = [...rowsOf(figures, '')];
  if (figures.txml) rows.push(...rowsOf(figures.txml, 'tXML twin: '));
  return {
    report: {
      id: 'large-order',
      title: '4. Large order',
      setup:
        `One orderEvent with ${fmt(lines)} lines × ${scheduleEntries} schedule entries (${fmt(figures.bodyMb, 1)} MB of JSON), a new order, ` +
        'sent to a receiver with an empty queue. "Processed" is when its webhook_events row is seen processed (polled every 10 ms), ' +
        'counted from the start of the request. ' +
        (figures.txml
          ? `Then its tXML twin (the same order as Tradecloud's XML, ${fmt(figures.txml.bodyMb, 1)} MB, a new order id), sent after it the same way.`
          : ''),
      rows,
      notes: [],
    },
    figures,
  };
}

function rowsOf(run: LargeOrderRun, prefix: string): Row[] {
  const processedOk = run.eventStatus === 'processed';
  return [
    { metric: `${prefix}Time to 2xx`, value: `${ms(run.ackMs)} (HTTP ${run.status})` },
    { metric: `${prefix}Time to processed (request sent → processed seen)`, value: processedOk ? ms(run.processedMs) : `not processed (${run.eventStatus})`, target: '< 2 s', met: processedOk && run.processedMs < 2000 },
    { metric: `${prefix}Outcome recorded (processed_at − received_at, database clock)`, value: ms(run.dbProcessingMs) },
    { metric: `${prefix}Processing attempts`, value: run.attempts > 1 ? `${run.attempts} (earlier attempt failed: ${run.lastError ?? 'no error kept'})` : String(run.attempts) },
    { metric: `${prefix}Receiver peak RSS`, value: `${megabytes(run.peakRssBytes)} MB`, target: '< 300 MB', met: run.peakRssBytes < 300 * 1024 * 1024 },
  ];
}

async function sendOnce(ctx: BenchContext, receiver: Receiver, body: Buffer, contentType: string, label: string): Promise<LargeOrderRun> {
  const { timeoutS } = ctx.profile.largeOrder;
  const bodyMb = body.length / (1024 * 1024);
  settleOwnHeap();
  await sleep(300); // let the receiver's RSS settle
  receiver.process.memory.startWindow();
  const started = performance.now();
  const answer = await postOnce(receiver.target('orders'), body, timeoutS * 1000, contentType);
  let eventStatus = `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  let processedMs = NaN;
  let dbProcessingMs = NaN;
  let attempts = 0;
  let lastError: string | null = null;
  const eventId = answer.status === 202 ? (JSON.parse(answer.body) as { eventId?: string }).eventId : undefined;
  if (eventId) {
    const deadline = Date.now() + timeoutS * 1000;
    while (Date.now() < deadline && !ctx.aborted()) {
      const event = await receiver.inbox.event(eventId);
      attempts = event?.attempts ?? 0;
      lastError = event?.lastError ?? lastError;
      if (event && ['processed', 'stale', 'dead'].includes(event.status)) {
        processedMs = performance.now() - started;
        eventStatus = event.status;
        if (event.processedAt) dbProcessingMs = event.processedAt.getTime() - event.receivedAt.getTime();
        if (event.status === 'dead') eventStatus += `: ${event.lastError ?? ''}`;
        break;
      }
      eventStatus = event?.status ?? 'missing';
      await sleep(10);
    }
  }
  await sleep(200);
  const peakRssBytes = receiver.process.memory.windowPeakBytes();
  ctx.log(`  ${label} (${fmt(bodyMb, 1)} MB): 2xx after ${ms(answer.ms)}, processed after ${ms(processedMs)} (${eventStatus}), peak RSS ${megabytes(peakRssBytes)} MB`);
  return { bodyMb, status: answer.status, ackMs: answer.ms, processedMs, dbProcessingMs, eventStatus, attempts, lastError, peakRssBytes };
}

/** A full collection of this process's heap now (when Node runs with --expose-gc, as `npm run bench` does), so that it does not run during a measured request. */
function settleOwnHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
