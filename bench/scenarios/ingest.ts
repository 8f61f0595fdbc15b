import { BenchContext, CpuCost, perUnit, Row, ScenarioReport } from '../context';
import { OrderEventStream, runTag } from '../bodies';
import { closedLoop, LoadResult, openLoop, Target } from '../load';
import { megabytes } from '../memory';
import { fmt, ms, ratio } from '../stats';
import { warmUp } from '../warmup';

/** The baseline server, however it is hosted (child process in the benchmark, in-process in the test). */
export interface BaselineHandle {
  url: string;
  /** Its own process (undefined when it runs inside the benchmark process). */
  pid?: number;
  /** Rows in its inbox table. */
  storedCount(): Promise<number>;
  peakRssBytes(): number | undefined;
  stop(): Promise<void>;
}

/** `baseline`: `baseline-server.ts`; `framework`: the framework floor (`framework-floor-server.ts`). */
export type BaselineStarter = (schema: string, kind?: 'baseline' | 'framework') => Promise<BaselineHandle>;

export interface IngestFigures {
  receiver: { closed: LoadResult; fixed: LoadResult; closedCpu: CpuCost };
  baseline: { closed: LoadResult; fixed: LoadResult; closedCpu: CpuCost };
  /** The framework floor's closed loop (absent in figures saved before it was measured). */
  framework?: { closed: LoadResult; closedCpu: CpuCost };
}

const NO_CPU: CpuCost = { serverMs: NaN, postgresMs: NaN };

/**
 * Scenario 1: 10-line orderEvent bodies, each with its own message id and a newer version of
 * its order. Closed loop (autocannon, N connections) and open loop at a fixed rate, first
 * against the baseline, then against the receiver (a fresh one for each, so that the backlog
 * of the first does not slow the second). Between the two, the framework floor's closed loop: the
 * baseline's work through Nest, Express, Passport and nestjs-pino (`framework-floor-server.ts`).
 * The receiver's workers process while it ingests, as they would in production. Every server is
 * warmed up first (warmup.ts).
 */
export async function runIngest(ctx: BenchContext, startBaseline: BaselineStarter): Promise<{ report: ScenarioReport; figures: IngestFigures }> {
  const { ingest, fixedRate } = ctx.profile;
  const fixedCount = Math.round(fixedRate.rate * fixedRate.durationS);
  const stream = new OrderEventStream(runTag('ingest'), ingest.orders, 10, 0);
  const bodySize = Buffer.byteLength(stream.body(0));
  const notes: string[] = [];
  let offset = 1_000_000;
  const next = () => (offset += 1_000_000);

  ctx.log(`Scenario 1: ingest (${ingest.connections} connections × ${ingest.durationS} s; ${fixedRate.rate}/s × ${fixedRate.durationS} s)`);
  const baselineSchema = ctx.db.newSchema('baseline');
  const baseline = await startBaseline(baselineSchema);
  let baselineFigures: IngestFigures['baseline'];
  try {
    const target: Target = { url: baseline.url, path: '/tradecloud/webhooks/orders', authorization: ctx.authorization };
    await warmUp(ctx, target, 'baseline');
    const storedBefore = await baseline.storedCount();
    let base = next();
    const meter = baseline.pid ? ctx.cpuMeter(baseline.pid) : () => NO_CPU;
    const closed = await closedLoop(target, ingest, (i) => stream.body(base + i));
    const closedCpu = meter();
    ctx.log(`  baseline closed loop: ${fmt(closed.acceptedPerS)} events/s, p99 ${ms(closed.p99Ms)}`);
    ctx.throwIfAborted();
    base = next();
    const fixed = await openLoop(target, { rate: fixedRate.rate, count: fixedCount, graceS: fixedRate.graceS }, (i) => stream.body(base + i));
    ctx.log(`  baseline ${fixedRate.rate}/s: p99 ${ms(fixed.p99Ms)}`);
    baselineFigures = { closed, fixed, closedCpu };
    const stored = (await baseline.storedCount()) - storedBefore;
    // Requests in flight when a closed loop stops are stored but not counted: only fewer rows than 202s would be wrong.
    if (stored < closed.accepted + fixed.accepted) notes.push(`The baseline stored ${stored} rows for ${closed.accepted + fixed.accepted} answers 202.`);
    const rss = baseline.peakRssBytes();
    if (rss) notes.push(`Baseline peak RSS: ${megabytes(rss)} MB.`);
  } finally {
    await baseline.stop();
    await ctx.db.dropSchema(baselineSchema).catch(() => undefined);
  }

  ctx.throwIfAborted();
  const frameworkSchema = ctx.db.newSchema('framework');
  const framework = await startBaseline(frameworkSchema, 'framework');
  let frameworkFigures: NonNullable<IngestFigures['framework']>;
  try {
    const target: Target = { url: framework.url, path: '/tradecloud/webhooks/orders', authorization: ctx.authorization };
    await warmUp(ctx, target, 'framework floor');
    const base = next();
    const meter = framework.pid ? ctx.cpuMeter(framework.pid) : () => NO_CPU;
    const closed = await closedLoop(target, ingest, (i) => stream.body(base + i));
    frameworkFigures = { closed, closedCpu: meter() };
    ctx.log(`  framework floor closed loop: ${fmt(closed.acceptedPerS)} events/s, p99 ${ms(closed.p99Ms)}`);
  } finally {
    await framework.stop();
    await ctx.db.dropSchema(frameworkSchema).catch(() => undefined);
  }

  ctx.throwIfAborted();
  const closedReceiver = await ctx.startReceiver('ingest');
  let closed: LoadResult;
  let closedRss: number;
  let closedCpu: CpuCost;
  try {
    await warmUp(ctx, closedReceiver, 'receiver');
    const afterId = await closedReceiver.inbox.lastId();
    closedReceiver.process.memory.startWindow();
    const base = next();
    const meter = ctx.cpuMeter(closedReceiver.process.pid);
    closed = await closedLoop(closedReceiver.target('orders'), ingest, (i) => stream.body(base + i));
    closedCpu = meter();
    closedRss = closedReceiver.process.memory.windowPeakBytes();
    const counts = await closedReceiver.inbox.counts(afterId);
    ctx.log(`  receiver closed loop: ${fmt(closed.acceptedPerS)} events/s, p99 ${ms(closed.p99Ms)}; ${counts.done} of ${counts.total} processed meanwhile`);
    if (counts.total < closed.accepted) notes.push(`The receiver stored ${counts.total} events for ${closed.accepted} answers 202.`);
    notes.push(
      `While the closed loop ran, the receiver's workers processed ${counts.done} of the ${counts.total} events it stored ` +
        `(${fmt(counts.done / closed.durationS)} events/s); the rest was left in the queue when it stopped.`,
    );
  } finally {
    await ctx.stopReceiver(closedReceiver);
  }

  ctx.throwIfAborted();
  const fixedReceiver = await ctx.startReceiver('fixed');
  let fixed: LoadResult;
  let fixedRss: number;
  try {
    await warmUp(ctx, fixedReceiver, 'receiver');
    const afterId = await fixedReceiver.inbox.lastId();
    fixedReceiver.process.memory.startWindow();
    const base = next();
    fixed = await openLoop(fixedReceiver.target('orders'), { rate: fixedRate.rate, count: fixedCount, graceS: fixedRate.graceS }, (i) => stream.body(base + i));
    fixedRss = fixedReceiver.process.memory.windowPeakBytes();
    const counts = await fixedReceiver.inbox.counts(afterId);
    ctx.log(`  receiver ${fixedRate.rate}/s: p99 ${ms(fixed.p99Ms)}; ${counts.done} of ${counts.total} processed meanwhile`);
    notes.push(`At ${fixedRate.rate} events/s the workers processed ${counts.done} of ${counts.total} events during the ${fmt(fixed.durationS)} s run.`);
  } finally {
    await ctx.stopReceiver(fixedReceiver);
  }

  const failures = (result: LoadResult) => {
    const other = Object.entries(result.otherStatuses).map(([status, count]) => `${count}× ${status}`);
    if (result.errors) other.push(`${result.errors} errors/timeouts`);
    return other.length ? other.join(', ') : 'none';
  };
  const b = baselineFigures;
  const ingestRatio = closed.acceptedPerS / b.closed.acceptedPerS;
  const rows: Row[] = [
    {
      metric: `Events/s, ${ingest.connections} connections`,
      value: fmt(closed.acceptedPerS),
      baseline: fmt(b.closed.acceptedPerS),
      ratio: ratio(closed.acceptedPerS, b.closed.acceptedPerS),
      target: '≥ 0.6× baseline',
      met: ingestRatio >= 0.6,
    },
    {
      metric: 'CPU per accepted event, closed loop (server + PostgreSQL)',
      value: perUnit(closedCpu, closed.accepted),
      baseline: perUnit(b.closedCpu, b.closed.accepted),
      ratio: ratio(closedCpu.serverMs / closed.accepted, b.closedCpu.serverMs / b.closed.accepted),
    },
    {
      metric: `Framework floor: events/s, ${ingest.connections} connections (receiver / floor in the ratio column)`,
      value: fmt(frameworkFigures.closed.acceptedPerS),
      baseline: `${fmt(b.closed.acceptedPerS)} (floor / baseline ${ratio(frameworkFigures.closed.acceptedPerS, b.closed.acceptedPerS)})`,
      ratio: ratio(closed.acceptedPerS, frameworkFigures.closed.acceptedPerS),
    },
    {
      metric: 'Framework floor: CPU per accepted event, closed loop (server + PostgreSQL)',
      value: perUnit(frameworkFigures.closedCpu, frameworkFigures.closed.accepted),
      baseline: perUnit(b.closedCpu, b.closed.accepted),
      ratio: ratio(frameworkFigures.closedCpu.serverMs / frameworkFigures.closed.accepted, b.closedCpu.serverMs / b.closed.accepted),
    },
    { metric: `Ack p50, ${ingest.connections} connections`, value: ms(closed.p50Ms), baseline: ms(b.closed.p50Ms), ratio: ratio(closed.p50Ms, b.closed.p50Ms) },
    { metric: `Ack p99, ${ingest.connections} connections`, value: ms(closed.p99Ms), baseline: ms(b.closed.p99Ms), ratio: ratio(closed.p99Ms, b.closed.p99Ms) },
    { metric: `Accepted/s at ${fixedRate.rate}/s offered`, value: fmt(fixed.acceptedPerS), baseline: fmt(b.fixed.acceptedPerS), ratio: ratio(fixed.acceptedPerS, b.fixed.acceptedPerS) },
    { metric: `Ack p50 at ${fixedRate.rate}/s`, value: ms(fixed.p50Ms), baseline: ms(b.fixed.p50Ms), ratio: ratio(fixed.p50Ms, b.fixed.p50Ms) },
    {
      metric: `Ack p99 at ${fixedRate.rate}/s`,
      value: ms(fixed.p99Ms),
      baseline: ms(b.fixed.p99Ms),
      ratio: ratio(fixed.p99Ms, b.fixed.p99Ms),
      target: '< 100 ms',
      met: fixed.p99Ms < 100 && fixed.accepted === fixedCount,
    },
    { metric: 'Non-202 answers / errors', value: `${failures(closed)}; ${failures(fixed)}`, baseline: `${failures(b.closed)}; ${failures(b.fixed)}` },
    { metric: 'Receiver peak RSS', value: `${megabytes(Math.max(closedRss, fixedRss))} MB`, target: '< 300 MB', met: Math.max(closedRss, fixedRss) < 300 * 1024 * 1024 },
  ];
  return {
    report: {
      id: 'ingest',
      title: '1. Ingest: 10-line orderEvent',
      setup:
        `POST /tradecloud/webhooks/orders with Basic auth, ${fmt(bodySize / 1024, 1)} KB bodies, every request a new message id and a newer ` +
        `version of one of ${ingest.orders} orders. Closed loop: autocannon, ${ingest.connections} connections, ${ingest.durationS} s. ` +
        `Fixed rate: ${fmt(fixedCount)} requests paced at ${fixedRate.rate}/s by an open-loop client, latency counted from each request's ` +
        `scheduled send time. Ack = time to the complete 202 answer.`,
      rows,
      notes,
    },
    figures: { receiver: { closed, fixed, closedCpu }, baseline: b, framework: frameworkFigures },
  };
}
