import { BenchContext, Row, ScenarioReport } from '../context';
import { buildOrderEvent, registerDocuments, TradecloudSimulator } from '../../test/support/tradecloud-simulator';
import { benchOrderId, runTag } from '../bodies';
import { postOnce } from '../load';
import { megabytes } from '../memory';
import { fmt, sleep } from '../stats';

export interface DocumentFigures {
  available: boolean;
  stored: number;
  failed: number;
  perSecond: number;
  peakRssBytes: number;
  reason?: string;
  /** Requests the simulator received, per route: what one download costs in API calls. */
  requests?: Record<string, number>;
}

const now = () => performance.timeOrigin + performance.now();
const DOWNLOAD_ROUTES = ['s3', 'document.proxy', 'partner'] as const;

/**
 * Scenario 5: order events referencing N documents (objectId) whose 1 MB contents the
 * Tradecloud simulator serves; the receiver gets the simulator as its Tradecloud API. Measures
 * downloads/s (first download request → last row seen `stored`) and the receiver's peak RSS.
 * When no download starts (the feature is missing or off), the scenario says "not available".
 */
export async function runDocuments(ctx: BenchContext, firstOrder: number): Promise<{ report: ScenarioReport; figures: DocumentFigures }> {
  const { count, sizeBytes, timeoutS, noProgressS } = ctx.profile.documents;
  ctx.log(`Scenario 5: documents (${count} × ${megabytes(sizeBytes)} MB)`);
  const simulator = await TradecloudSimulator.start();
  let figures: DocumentFigures = { available: false, stored: 0, failed: 0, perSecond: NaN, peakRssBytes: 0 };
  try {
    const receiver = await ctx.startReceiver('documents', {
      env: { TRADECLOUD_API_URL: simulator.baseUrl, TRADECLOUD_API_USERNAME: simulator.credentials.username, TRADECLOUD_API_PASSWORD: simulator.credentials.password },
    });
    try {
      receiver.process.memory.startWindow();
      const orders = Math.max(1, Math.min(10, Math.floor(count / 10)));
      const tag = runTag('documents');
      let expected = 0;
      for (let order = 0; order < orders; order++) {
        const documents = Math.floor(count / orders) + (order < count % orders ? 1 : 0);
        const body = buildOrderEvent({ orderId: benchOrderId(firstOrder + order), seed: order + 1, lineCount: 2, headerDocuments: documents, messageId: `${tag}-${order}` });
        expected += registerDocuments(simulator, body, { sizeBytes }).size;
        const answer = await postOnce(receiver.target('orders'), JSON.stringify(body));
        if (answer.status !== 202) throw new Error(`Document order event answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      }
      const table = `"${receiver.schema}".documents`;
      const deadline = now() + timeoutS * 1000;
      let lastChange = now();
      let lastSeen = '';
      let lastStoredAt = NaN;
      let stored = 0;
      let failed = 0;
      while (now() < deadline && !ctx.aborted()) {
        const result = await ctx.db.pool.query<{ stored: string; failed: string }>(
          `SELECT count(*) FILTER (WHERE content_status = 'stored') AS stored, count(*) FILTER (WHERE content_status = 'failed') AS failed FROM ${table}`,
        );
        // Any request to the simulator (login, metadata, content) counts as progress.
        const seen = `${result.rows[0].stored}/${result.rows[0].failed}/${simulator.requests.length}`;
        if (Number(result.rows[0].stored) > stored) lastStoredAt = now();
        stored = Number(result.rows[0].stored);
        failed = Number(result.rows[0].failed);
        if (seen !== lastSeen) {
          lastSeen = seen;
          lastChange = now();
        }
        if (stored + failed >= expected || now() - lastChange > noProgressS * 1000) break;
        await sleep(100);
      }
      const firstDownload = simulator.requestsTo('document.metadata', ...DOWNLOAD_ROUTES)[0]?.receivedAt;
      const peakRssBytes = receiver.process.memory.windowPeakBytes();
      const requests: Record<string, number> = {};
      for (const request of simulator.requests) requests[request.route] = (requests[request.route] ?? 0) + 1;
      if (!stored) {
        const requests = simulator.requests.length;
        figures = {
          available: false,
          stored,
          failed,
          perSecond: NaN,
          peakRssBytes,
          reason:
            requests === 0
              ? `no request reached the Tradecloud simulator within ${noProgressS} s and no documents row became 'stored': document downloads are not available in this build`
              : `the receiver called the simulator ${requests} times (${simulator.requests.slice(0, 5).map((r) => `${r.route} ${r.status ?? '-'}`).join(', ')}) but no document was stored (${failed} failed)`,
        };
      } else {
        const seconds = firstDownload ? (lastStoredAt - firstDownload) / 1000 : NaN;
        figures = { available: true, stored, failed, perSecond: stored / seconds, peakRssBytes, requests };
      }
      ctx.log(figures.available ? `  ${stored} stored, ${fmt(figures.perSecond)} downloads/s` : `  not available: ${figures.reason}`);
    } finally {
      await ctx.stopReceiver(receiver);
    }
  } finally {
    await simulator.stop();
  }

  const rows: Row[] = figures.available
    ? [
        { metric: 'Documents stored / failed', value: `${figures.stored} / ${figures.failed} of ${count}` },
        { metric: 'Downloads/s', value: `${fmt(figures.perSecond)} (${fmt((figures.perSecond * sizeBytes) / (1024 * 1024))} MB/s)` },
        { metric: 'Receiver peak RSS', value: `${megabytes(figures.peakRssBytes)} MB`, target: '< 300 MB', met: figures.peakRssBytes < 300 * 1024 * 1024 },
      ]
    : [
        { metric: 'Downloads/s', value: 'not available' },
        { metric: 'Receiver peak RSS', value: `${megabytes(figures.peakRssBytes)} MB (no downloads ran)`, target: '< 300 MB', met: null },
      ];
  return {
    report: {
      id: 'documents',
      title: '5. Documents',
      setup:
        `${count} documents of ${megabytes(sizeBytes)} MB (objectId references in buyer header documents of order events) served by the ` +
        'Tradecloud simulator on loopback, which is the receiver\'s Tradecloud API. Downloads/s = stored documents / (last row seen ' +
        "'stored' − first document request at the simulator).",
      rows,
      notes: figures.available
        ? [`Requests the simulator received: ${Object.entries(figures.requests ?? {}).map(([route, n]) => `${n}× ${route}`).join(', ')}.`]
        : [`Not available: ${figures.reason}.`],
    },
    figures,
  };
}
