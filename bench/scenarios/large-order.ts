import { BenchContext, Receiver, Row, ScenarioReport } from '../context';
import { orderEventTemplate, runTag, versionTime } from '../bodies';
import { postOnce } from '../load';
import { megabytes } from '../memory';
import { fmt, ms, sleep } from '../stats';

export interface LargeOrderFigures {
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

/**
 * Scenario 4: one orderEvent with N lines of M schedule entries each, on a receiver with an
 * empty queue: time to the 2xx, time until the event is processed, and the receiver's peak RSS
 * meanwhile (its VmHWM is reset first where the kernel allows it).
 */
export async function runLargeOrder(ctx: BenchContext, receiver: Receiver, order: number): Promise<{ report: ScenarioReport; figures: LargeOrderFigures }> {
  const { lines, scheduleEntries, timeoutS } = ctx.profile.largeOrder;
  ctx.log(`Scenario 4: large order (${lines} lines × ${scheduleEntries} schedule entries)`);
  const body = orderEventTemplate(order, lines, 0, scheduleEntries).render(runTag('large'), versionTime(0));
  const bodyMb = Buffer.byteLength(body) / (1024 * 1024);
  await sleep(300); // let the RSS settle after building the body in this process
  receiver.process.memory.startWindow();
  const started = performance.now();
  const answer = await postOnce(receiver.target('orders'), body, timeoutS * 1000);
  let eventStatus = `HTTP ${answer.status}`;
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
  ctx.log(`  2xx after ${ms(answer.ms)}, processed after ${ms(processedMs)} (${eventStatus}), peak RSS ${megabytes(peakRssBytes)} MB`);

  const processedOk = eventStatus === 'processed';
  const rows: Row[] = [
    { metric: 'Time to 2xx', value: `${ms(answer.ms)} (HTTP ${answer.status})` },
    { metric: 'Time to processed (request sent → processed seen)', value: processedOk ? ms(processedMs) : `not processed (${eventStatus})`, target: '< 2 s', met: processedOk && processedMs < 2000 },
    { metric: 'Processing transaction began (processed_at − received_at)', value: ms(dbProcessingMs) },
    { metric: 'Processing attempts', value: attempts > 1 ? `${attempts} (earlier attempt failed: ${lastError ?? 'no error kept'})` : String(attempts) },
    { metric: 'Receiver peak RSS', value: `${megabytes(peakRssBytes)} MB`, target: '< 300 MB', met: peakRssBytes < 300 * 1024 * 1024 },
  ];
  return {
    report: {
      id: 'large-order',
      title: '4. Large order',
      setup:
        `One orderEvent with ${fmt(lines)} lines × ${scheduleEntries} schedule entries (${fmt(bodyMb, 1)} MB of JSON), a new order, ` +
        'sent to a receiver with an empty queue. "Processed" is when its webhook_events row is seen processed (polled every 10 ms), ' +
        'counted from the start of the request.',
      rows,
      notes: [],
    },
    figures: { bodyMb, status: answer.status, ackMs: answer.ms, processedMs, dbProcessingMs, eventStatus, attempts, lastError, peakRssBytes },
  };
}
